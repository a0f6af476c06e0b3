using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace IlgpuAe.Perf;

/// <summary>
/// A column of "work per second": the work one invocation does (flops, bytes), divided by the mean
/// time, in 1e9 per second. Subclasses say only how much work a benchmark case does.
/// </summary>
public abstract class RateColumn(string id, string name, string legend) : IColumn
{
    public string Id => id;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    /// <summary>The work of one invocation of the case, or null when the column does not apply.</summary>
    protected abstract double? Work(BenchmarkCase benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is null || Work(benchmarkCase) is not { } work) return "-";
        double seconds = report.ResultStatistics.Mean * 1e-9;
        return (work / seconds / 1e9).ToString("F1", CultureInfo.InvariantCulture);
    }
}
