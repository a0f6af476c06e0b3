using System.Diagnostics;

namespace IlgpuAe.Torch;

/// <summary>Per-call times in ms, reported as median and the 20th and 80th percentiles.</summary>
public sealed class Samples
{
    readonly List<double> _ms = [];

    /// <summary>Times <paramref name="work"/> once and keeps the time.</summary>
    public void Time(Action work)
    {
        long start = Stopwatch.GetTimestamp();
        work();
        _ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>Calls timed so far.</summary>
    public int Count => _ms.Count;
    /// <summary>The median, ms.</summary>
    public double Median => Quantile(0.5);
    /// <summary>The 20th percentile, ms.</summary>
    public double P20 => Quantile(0.2);
    /// <summary>The 80th percentile, ms.</summary>
    public double P80 => Quantile(0.8);

    /// <summary>Linear interpolation between the order statistics (numpy's default).</summary>
    public double Quantile(double q)
    {
        if (_ms.Count == 0) return double.NaN;
        var s = _ms.Order().ToArray();
        double at = q * (s.Length - 1);
        int lo = (int)Math.Floor(at), hi = Math.Min(lo + 1, s.Length - 1);
        return s[lo] + (at - lo) * (s[hi] - s[lo]);
    }

    /// <summary>
    /// Ours and libtorch's calls in alternating blocks (which goes first swaps every round), so that a change of the machine's
    /// load falls on both: two warm-up calls each, then <paramref name="rounds"/> rounds of a block each, a block being as many
    /// calls as fill about <paramref name="blockSeconds"/> for the slower side (3 to 25).
    /// </summary>
    public static (Samples Ours, Samples Torch) Interleaved(Action ours, Action torch, int rounds, double blockSeconds)
    {
        ours(); ours(); torch(); torch();
        var probe = new Samples();
        probe.Time(ours);
        probe.Time(torch);
        int block = (int)Math.Clamp(Math.Round(blockSeconds * 1000 / Math.Max(probe._ms.Max(), 1e-3)), 3, 25);
        var (a, b) = (new Samples(), new Samples());
        for (int r = 0; r < rounds; r++)
        {
            if (r % 2 == 0) { Block(a, ours, block); Block(b, torch, block); }
            else { Block(b, torch, block); Block(a, ours, block); }
        }
        return (a, b);
    }

    static void Block(Samples s, Action work, int calls)
    {
        for (int i = 0; i < calls; i++) s.Time(work);
    }
}
