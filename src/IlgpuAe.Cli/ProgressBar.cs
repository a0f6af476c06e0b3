using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace IlgpuAe.Cli;

/// <summary>
/// The progress of one epoch on stderr: on a terminal a Spectre.Console bar with batches, images per
/// second and the time left, cleared when the epoch ends; elsewhere (a log, a pipe) one plain line
/// every ten seconds, so a long epoch shows it is alive without filling the log.
/// </summary>
public sealed class ProgressBar(Io io, int batchSize, double plainEverySeconds = 10) : IDisposable
{
    // Terminal: Spectre's live display runs on its own thread for the length of an epoch.
    Thread? _display;
    ProgressTask? _task;
    ManualResetEventSlim? _epochDone;

    // Plain lines.
    readonly Stopwatch _clock = new();
    int _firstDone;
    double _lastLine;
    int _epoch = -1;

    /// <summary><paramref name="done"/> of <paramref name="total"/> batches of epoch <paramref name="epoch"/> are trained.</summary>
    public void Report(int epoch, int done, int total)
    {
        if (epoch != _epoch) Start(epoch, done, total);
        if (_task is not null) _task.Value = (double)done * batchSize;
        else PlainLine(epoch, done, total);
    }

    void Start(int epoch, int done, int total)
    {
        Done();
        _epoch = epoch;
        _firstDone = done - 1;
        _clock.Restart();
        _lastLine = 0;
        if (!io.ErrIsTerminal) return;
        using var ready = new ManualResetEventSlim();
        var epochDone = new ManualResetEventSlim();
        _epochDone = epochDone;
        var progress = Io.Ansi(io.Err).Progress().AutoClear(true).Columns(
            new TaskDescriptionColumn(), new ProgressBarColumn(), new BatchesColumn(batchSize), new ImagesPerSecondColumn(), new RemainingTimeColumn());
        _display = new Thread(() => progress.Start(context =>
        {
            var task = context.AddTask($"epoch {epoch}", maxValue: (double)total * batchSize);
            task.Value = (double)(done - 1) * batchSize;
            _task = task;
            ready.Set();
            epochDone.Wait();
        })) { IsBackground = true, Name = "progress bar" };
        _display.Start();
        ready.Wait();
    }

    void PlainLine(int epoch, int done, int total)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        if (seconds - _lastLine < plainEverySeconds || done == total) return;
        _lastLine = seconds;
        double rate = (done - _firstDone) / Math.Max(seconds, 1e-9);
        var left = TimeSpan.FromSeconds(Math.Round((total - done) / rate));
        io.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch}: {done}/{total} batches, {rate * batchSize:F0} img/s, {left:h\\:mm\\:ss} left"));
    }

    /// <summary>Ends the epoch's display (a terminal bar is cleared) before the epoch's line is printed.</summary>
    public void Done()
    {
        if (_display is not null)
        {
            _epochDone!.Set();
            _display.Join();
            _epochDone.Dispose();
        }
        _display = null;
        _task = null;
        _epochDone = null;
        _epoch = -1;
    }

    public void Dispose() => Done();

    /// <summary>`done/total batches`; the task counts images, so the bar's speed is in images.</summary>
    sealed class BatchesColumn(int batchSize) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture,
                $"{Math.Ceiling(task.Value / batchSize)}/{Math.Ceiling(task.MaxValue / batchSize)} batches"));
    }

    sealed class ImagesPerSecondColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is double s ? string.Create(CultureInfo.InvariantCulture, $"{s:F0} img/s") : "");
    }
}
