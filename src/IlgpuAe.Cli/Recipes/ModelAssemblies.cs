using System.Reflection;
using System.Runtime.CompilerServices;

namespace IlgpuAe.Cli.Recipes;

/// <summary>
/// `eval --assembly FILE.dll[,...]`: loads the assemblies that define models of your own and runs their module
/// initializers, where they call ModelCatalog.Register, so that the command can rebuild those kinds from their files.
/// </summary>
public static class ModelAssemblies
{
    public static void Load(string? list)
    {
        foreach (string path in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!File.Exists(path)) throw new UsageException($"--assembly {path} does not exist");
            try
            {
                var assembly = Assembly.LoadFrom(Path.GetFullPath(path));
                RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or TypeInitializationException)
            {
                throw new IlgpuAeException($"cannot load the model assembly {path}: {(e.InnerException ?? e).Message}");
            }
        }
    }
}
