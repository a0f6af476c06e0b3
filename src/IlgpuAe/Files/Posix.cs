using System.Runtime.InteropServices;

namespace IlgpuAe.Files;

/// <summary>
/// The few POSIX calls .NET has no public API for: the type of a file (stat) and flushing a directory (fsync on its
/// descriptor). stat goes through the System.Native shim every .NET runtime ships on Unix, whose FileStatus layout
/// (Flags, Mode, ...) and mode bits are the runtime's own, the same on Linux and macOS.
/// </summary>
internal static class Posix
{
    public const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, Directory = 0x4000, BlockDevice = 0x6000,
        Regular = 0x8000, Link = 0xA000, Socket = 0xC000;

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    static extern int SystemStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] status);

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
    static extern int SystemFStat(SafeHandle fd, byte[] status);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int Close(int fd);

    /// <summary>The file type bits of <paramref name="path"/> after following links, or the errno when stat fails.</summary>
    public static (int Type, int Errno) TypeOf(string path)
    {
        var status = new byte[256]; // larger than the shim's FileStatus, whatever its tail
        return SystemStat(path, status) == 0 ? (BitConverter.ToInt32(status, 4) & TypeMask, 0) : (0, Marshal.GetLastPInvokeError());
    }

    /// <summary>The file type bits of an open file.</summary>
    public static int TypeOf(SafeHandle handle)
    {
        var status = new byte[256];
        return SystemFStat(handle, status) == 0 ? BitConverter.ToInt32(status, 4) & TypeMask : 0;
    }

    /// <summary>fsync on the directory itself, so that a rename inside it survives a power loss; 0 or the errno.</summary>
    public static int FlushDirectory(string directory)
    {
        int fd = Open(directory, 0); // O_RDONLY: enough to fsync a directory on Linux and macOS
        if (fd < 0) return Marshal.GetLastPInvokeError();
        int error = FSync(fd) == 0 ? 0 : Marshal.GetLastPInvokeError();
        Close(fd);
        return error;
    }

    /// <summary>
    /// Errors that mean "this directory cannot be flushed here" (EINVAL, ENOTSUP on Linux and macOS; EACCES, EPERM for a
    /// folder that may be written but not opened), not a failed write.
    /// </summary>
    public static bool FlushUnsupported(int errno) => errno is 22 or 95 or 45 or 13 or 1;
}
