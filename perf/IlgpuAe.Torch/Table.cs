using System.Globalization;

namespace IlgpuAe.Torch;

/// <summary>The printed comparison: one line per row, ours beside libtorch's, and the ratio of the medians.</summary>
public static class Table
{
    /// <summary>The column heads, under a section title.</summary>
    public static void Header(TextWriter o, string title, string rate)
    {
        o.WriteLine();
        o.WriteLine(title);
        o.WriteLine($"  {"row",-30} {"ours ms",9} {"p20",9} {"p80",9}  {"torch ms",9} {"p20",9} {"p80",9}  {"ours/torch",10}  {"ours " + rate,13} {"torch " + rate,13}  {"n",5}  {"load",5}");
    }

    /// <summary>One row; <paramref name="rate"/> turns a median in ms into the row's rate (GFLOP/s, img/s).</summary>
    public static void Row(TextWriter o, string name, Samples ours, Samples torch, Func<double, double> rate)
    {
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-30} {ours.Median,9:F3} {ours.P20,9:F3} {ours.P80,9:F3}  {torch.Median,9:F3} {torch.P20,9:F3} {torch.P80,9:F3}  {ours.Median / torch.Median,10:F2}  {rate(ours.Median),13:F1} {rate(torch.Median),13:F1}  {ours.Count + "/" + torch.Count,5}  {Load.One,5:F1}"));
        o.Flush();
    }
}

/// <summary>The machine's load averages (Linux), printed beside every row: this box is shared.</summary>
public static class Load
{
    /// <summary>The 1, 5 and 15 minute averages as /proc/loadavg gives them, or "unknown".</summary>
    public static string All
    {
        get
        {
            try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
            catch (IOException) { return "unknown"; }
            catch (UnauthorizedAccessException) { return "unknown"; }
        }
    }

    /// <summary>The 1-minute average, NaN when unknown.</summary>
    public static double One => double.TryParse(All.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
}
