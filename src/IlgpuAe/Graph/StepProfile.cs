using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace IlgpuAe.Graph;

/// <summary>One row of a <see cref="StepProfile"/>: an op (or a trainer phase) per step.</summary>
/// <param name="Phase">forward, backward, or a trainer phase (feed, guard, optimizer).</param>
/// <param name="Name">The op in schedule order with what it reads, e.g. "#0 linear encoder.0.weight".</param>
/// <param name="Milliseconds">Wall time per step, device work included.</param>
/// <param name="Launches">Kernel launches per step.</param>
public sealed record ProfileRow(string Phase, string Name, double Milliseconds, double Launches);

/// <summary>
/// An opt-in profile of training steps. Attached to a plan (<see cref="Plan{T}.Profile"/>), it synchronises the
/// device before and after every op and trainer phase, so that each row holds that op's device work alone, and
/// counts kernel launches through <see cref="Device.OnLaunch"/>. The extra synchronisations make a profiled step
/// slower than a plain one (an op's launches can no longer overlap the host's next call): read the rows as
/// shares, and time the plain step separately.
/// </summary>
public sealed class StepProfile
{
    sealed class Row(string phase, string name)
    {
        public string Phase { get; } = phase;
        public string Name { get; } = name;
        public long Ticks;
        public long Launches;
    }

    readonly List<Row> _rows = [];
    readonly Dictionary<(string, string), Row> _index = [];
    readonly Dictionary<string, long> _kernels = [];

    /// <summary>Steps the rows are averaged over (the trainer counts them; a hand-driven plan calls <see cref="CountStep"/>).</summary>
    public int Steps { get; private set; }

    /// <summary>Counts one more step in <see cref="Steps"/>, for a plan driven by hand.</summary>
    public void CountStep() => Steps++;

    /// <summary>Forgets everything measured so far (after warm-up steps, for example).</summary>
    public void Reset()
    {
        _rows.Clear();
        _index.Clear();
        _kernels.Clear();
        Steps = 0;
    }

    /// <summary>Runs <paramref name="work"/> between two synchronisations and adds its time and launches to its row.</summary>
    public void Measure(Device device, string phase, string name, Action work)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(work);
        if (!_index.TryGetValue((phase, name), out var row))
        {
            row = new Row(phase, name);
            _index[(phase, name)] = row;
            _rows.Add(row);
        }
        device.Synchronize();
        var previous = device.OnLaunch;
        device.OnLaunch = m =>
        {
            row.Launches++;
            string kernel = KernelName(m);
            _kernels[kernel] = _kernels.GetValueOrDefault(kernel) + 1;
            previous?.Invoke(m);
        };
        long start = Stopwatch.GetTimestamp();
        try
        {
            work();
            device.Synchronize();
        }
        finally
        {
            row.Ticks += Stopwatch.GetTimestamp() - start;
            device.OnLaunch = previous;
        }
    }

    /// <summary>Every row, per step, in the order first measured.</summary>
    public IReadOnlyList<ProfileRow> Rows
    {
        get
        {
            double steps = Math.Max(1, Steps);
            return _rows.Select(r => new ProfileRow(r.Phase, r.Name,
                r.Ticks * 1000.0 / Stopwatch.Frequency / steps, r.Launches / steps)).ToArray();
        }
    }

    /// <summary>Launches per step of every kernel (by method and type arguments).</summary>
    public IReadOnlyDictionary<string, double> KernelLaunches =>
        _kernels.ToDictionary(k => k.Key, k => k.Value / (double)Math.Max(1, Steps));

    /// <summary>The rows as a text table with per-phase subtotals and a kernel launch list.</summary>
    public string Format()
    {
        var rows = Rows;
        double total = rows.Sum(r => r.Milliseconds);
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"{"phase",-10} {"op",-44} {"ms/step",9} {"share",7} {"launches",9}");
        foreach (var r in rows)
            s.AppendLine(c, $"{r.Phase,-10} {r.Name,-44} {r.Milliseconds,9:F3} {Share(r.Milliseconds, total),7} {r.Launches,9:F0}");
        s.AppendLine();
        foreach (var g in rows.GroupBy(r => r.Phase))
            s.AppendLine(c, $"{g.Key,-10} {"(subtotal)",-44} {g.Sum(r => r.Milliseconds),9:F3} {Share(g.Sum(r => r.Milliseconds), total),7} {g.Sum(r => r.Launches),9:F0}");
        s.AppendLine(c, $"{"total",-10} {$"(profiled, {Steps} steps)",-44} {total,9:F3} {"100%",7} {rows.Sum(r => r.Launches),9:F0}");
        s.AppendLine();
        s.AppendLine(c, $"{"kernel",-64} {"launches/step",13}");
        foreach (var (kernel, n) in KernelLaunches.OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal))
            s.AppendLine(c, $"{kernel,-64} {n,13:F0}");
        return s.ToString();
    }

    static string Share(double part, double total) =>
        total > 0 ? (part / total).ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal) : "-";

    static string KernelName(MethodInfo m)
    {
        string name = $"{m.DeclaringType?.Name}.{m.Name}";
        if (!m.IsGenericMethod) return name;
        return name + "<" + string.Join(",", m.GetGenericArguments().Select(a => a.Name.Split('`')[0])) + ">";
    }
}
