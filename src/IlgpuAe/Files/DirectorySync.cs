namespace IlgpuAe.Files;

/// <summary>
/// Makes a rename durable: a file flushed and renamed into place can still vanish (or the old one reappear) after a power
/// loss until the directory entry itself is on disk, which takes an fsync of the directory.
/// </summary>
public static class DirectorySync
{
    /// <summary>
    /// Flushes <paramref name="directory"/>'s entries to disk; returns false where the platform or file system cannot
    /// (Windows, which has no directory handle to flush; a file system answering EINVAL); throws <see cref="IlgpuAeException"/> when the flush fails.
    /// </summary>
    public static bool Flush(string directory)
    {
        if (OperatingSystem.IsWindows()) return false;
        int errno = Posix.FlushDirectory(directory);
        if (errno == 0) return true;
        if (Posix.FlushUnsupported(errno)) return false;
        throw new IlgpuAeException($"directory '{directory}' cannot be flushed to disk (errno {errno}).");
    }
}
