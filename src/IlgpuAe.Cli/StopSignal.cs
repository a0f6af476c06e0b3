using System.Runtime.InteropServices;

namespace IlgpuAe.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM become a cancellation request: training finishes the step it is in,
/// writes a checkpoint and exits, instead of dying with the work of the epoch lost.
/// </summary>
public sealed class StopSignal : IDisposable
{
    readonly CancellationTokenSource _source = new();
    readonly PosixSignalRegistration? _term;

    public StopSignal()
    {
        Console.CancelKeyPress += OnCancel;
        if (!OperatingSystem.IsWindows())
            _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; _source.Cancel(); });
    }

    public CancellationToken Token => _source.Token;

    void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _term?.Dispose();
        _source.Dispose();
    }
}
