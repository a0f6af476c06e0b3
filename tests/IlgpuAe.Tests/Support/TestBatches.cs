using IlgpuAe.Models;

namespace IlgpuAe.Tests.Support;

/// <summary>Batches for model tests: pixels uniform in [0, 1) from a seeded generator, every label 0.</summary>
public static class TestBatches
{
    public static Batch RandomBatch(int rows, int features, int seed)
    {
        var rng = new Random(seed);
        return new Batch(Enumerable.Range(0, rows * features).Select(_ => (float)rng.NextDouble()).ToArray(), new byte[rows], rows);
    }
}
