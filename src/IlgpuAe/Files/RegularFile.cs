namespace IlgpuAe.Files;

/// <summary>
/// Opens data, checkpoints and configurations only when they are regular files: links are followed, then the target is
/// checked, so a FIFO (which would block the open), a device such as /dev/zero (which never ends and reports length 0)
/// or a directory is one clear error at once.
/// </summary>
public static class RegularFile
{
    /// <summary>Throws <see cref="IlgpuAeException"/> naming <paramref name="what"/> unless <paramref name="path"/> is an existing regular file (after links).</summary>
    public static void Check(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows())
        {
            if (Directory.Exists(path)) throw NotRegular(path, what, "a directory");
            if (!File.Exists(path)) throw new IlgpuAeException($"{what} '{path}' does not exist.");
            return;
        }
        var (type, errno) = Posix.TypeOf(path);
        if (errno == 2) throw new IlgpuAeException($"{what} '{path}' does not exist.");
        if (errno != 0) throw new IlgpuAeException($"{what} '{path}' cannot be examined (errno {errno}).");
        if (type != Posix.Regular) throw NotRegular(path, what, Describe(type));
    }

    /// <summary>Opens <paramref name="path"/> for reading after <see cref="Check"/>, and checks the opened file again (it may have been swapped in between).</summary>
    public static FileStream OpenRead(string path, string what)
    {
        Check(path, what);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new IlgpuAeException($"{what} '{path}' cannot be opened: {e.Message}", e);
        }
        if (!OperatingSystem.IsWindows() && Posix.TypeOf(file.SafeFileHandle) is int type && type != Posix.Regular)
        {
            file.Dispose();
            throw NotRegular(path, what, Describe(type));
        }
        return file;
    }

    static IlgpuAeException NotRegular(string path, string what, string kind) =>
        new($"{what} '{path}' is {kind}, not a regular file; only regular files are read.");

    static string Describe(int type) => type switch
    {
        Posix.Fifo => "a FIFO (named pipe)",
        Posix.CharDevice => "a character device",
        Posix.BlockDevice => "a block device",
        Posix.Directory => "a directory",
        Posix.Socket => "a socket",
        _ => $"a special file (type 0x{type:x4})",
    };
}
