using System.Diagnostics;

namespace IlgpuAe.Cli;

/// <summary>A one-line progress bar per epoch on stderr, redrawn at most ten times a second.</summary>
public sealed class ProgressBar(TextWriter writer)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    long _lastDraw = -1000;
    bool _drawn;

    public void Report(int done, int total)
    {
        long now = _clock.ElapsedMilliseconds;
        if (done != total && now - _lastDraw < 100) return;
        _lastDraw = now;
        const int width = 30;
        int filled = total == 0 ? width : (int)((long)width * done / total);
        writer.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} batches");
        _drawn = true;
    }

    public void Done()
    {
        if (_drawn) writer.Write("\r" + new string(' ', 60) + "\r");
        _drawn = false;
        _lastDraw = -1000;
    }
}
