using System.Runtime.CompilerServices;
using IlgpuAe.Models;

namespace IlgpuAe.Tests.Library;

/// <summary>
/// How an assembly of models makes its kinds known wherever it is loaded: a module initializer that registers them.
/// `ilgpu-ae eval --assembly` runs it (ModelCatalogCliTests loads this very assembly into a fresh CLI process).
/// </summary>
static class CatalogRegistrations
{
#pragma warning disable CA2255 // A module initializer is exactly what --assembly runs.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        ModelCatalog.Register<float, AutoencoderOptions>("code-penalty-ae", (device, options, seed) => new CodePenaltyAe(device, options, seed));
}
