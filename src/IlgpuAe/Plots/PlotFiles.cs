namespace IlgpuAe.Plots;

/// <summary>File output shared by the plot writers.</summary>
internal static class PlotFiles
{
    // A picture replaced mid-run (each epoch redraws it) must never be seen half-written by a viewer.
    public static void WriteAtomically(string path, byte[] bytes, string what)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new IlgpuAeException($"{what} path '{path}' is not valid: {e.Message}", e);
        }
        string directory = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (Exception) { /* the write error is the one to report */ }
            throw new IlgpuAeException($"{what} '{path}' cannot be written: {e.Message}", e);
        }
    }
}
