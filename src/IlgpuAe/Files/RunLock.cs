using System.Diagnostics;
using System.Globalization;

namespace IlgpuAe.Files;

/// <summary>
/// One run per folder: an exclusive lock on a file in the run's output directory, held for the lifetime of the run
/// (FileShare.None, which .NET takes as flock(LOCK_EX) on Unix and a share-mode lock on Windows). The operating system
/// releases it when the process ends, killed or not, so a lock can never be left stale; the owner's pid, recorded beside
/// it, names the holder in the message and tells a later run that the previous one was killed before it could clean up.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file inside the directory (kept: deleting it would let two runs lock two different files).</summary>
    public const string FileName = ".ilgpu-ae.lock";

    /// <summary>The file naming the holder: its pid and start time; removed on a clean release.</summary>
    public const string OwnerFileName = ".ilgpu-ae.owner";

    readonly FileStream _lock;
    readonly string _owner;
    readonly string? _createdDirectory;

    RunLock(FileStream lockFile, string owner, int? stalePid, string? createdDirectory)
    {
        _lock = lockFile;
        _owner = owner;
        StalePid = stalePid;
        _createdDirectory = createdDirectory;
    }

    /// <summary>The pid of a previous holder that ended without releasing (killed), when one is recorded; null otherwise.</summary>
    public int? StalePid { get; }

    /// <summary>Takes the lock on <paramref name="directory"/> (created if needed); throws <see cref="IlgpuAeException"/> naming the folder and the holder's pid when another run holds it.</summary>
    public static RunLock Acquire(string directory)
    {
        bool created = !Directory.Exists(directory);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName), owner = Path.Combine(directory, OwnerFileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            string who = ReadOwner(owner) is (int pid, string since) ? $" (process {pid}, running since {since})" : "";
            throw new IlgpuAeException($"the folder '{directory}' is in use by another run{who}: one run per --out folder; wait for it or choose another folder.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IlgpuAeException($"the folder '{directory}' cannot be locked for this run: {e.Message}", e);
        }
        int? stale = ReadOwner(owner) is (int previous, _) && previous != Environment.ProcessId ? previous : null;
        try
        {
            File.WriteAllText(owner, string.Create(CultureInfo.InvariantCulture,
                $"{Environment.ProcessId} {Process.GetCurrentProcess().StartTime.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            throw new IlgpuAeException($"the folder '{directory}' cannot be locked for this run: {e.Message}", e);
        }
        return new RunLock(file, owner, stale, created ? directory : null);
    }

    static bool IsSharingViolation(IOException e) => e.HResult is unchecked((int)0x80070020) or 11 || e.Message.Contains("used by another process", StringComparison.Ordinal);

    static (int, string)? ReadOwner(string path)
    {
        try
        {
            var parts = File.ReadAllText(path).Split(' ', 2, StringSplitOptions.TrimEntries);
            return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? (pid, parts[1]) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the owner record and releases the lock. A folder this lock created and the run left holding nothing else (a run
    /// refused before it wrote anything, such as a bad option) is removed with its lock file, so a mistake leaves no litter.
    /// </summary>
    public void Dispose()
    {
        try { File.Delete(_owner); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the lock itself is what matters */ }
        try
        {
            // Unlinked while still held, so no other run can have locked this file in between.
            if (_createdDirectory is not null && Directory.EnumerateFileSystemEntries(_createdDirectory).All(e => Path.GetFileName(e) == FileName))
            {
                File.Delete(_lock.Name);
                _lock.Dispose();
                Directory.Delete(_createdDirectory);
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* leaving an empty folder is harmless */ }
        _lock.Dispose();
    }
}
