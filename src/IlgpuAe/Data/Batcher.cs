namespace IlgpuAe.Data;

/// <summary>
/// Splits an epoch over <c>count</c> examples into shuffled mini-batches. The order of an epoch depends
/// only on (seed, epoch), so a resumed run rebuilds exactly the batches it would have seen.
/// </summary>
public sealed class Batcher
{
    private readonly int _count;
    private readonly int _batchSize;
    private readonly ulong _seed;

    /// <summary>Batches of <paramref name="batchSize"/> over <paramref name="count"/> examples; with <paramref name="dropLast"/> a short final batch is skipped.</summary>
    public Batcher(int count, int batchSize, ulong seed, bool dropLast = true)
    {
        if (count < 0)
            throw new IlgpuAeException($"the example count {count} must not be negative.");
        if (batchSize <= 0)
            throw new IlgpuAeException($"the batch size {batchSize} must be positive.");
        if (dropLast && batchSize > count)
            throw new IlgpuAeException($"the batch size {batchSize} is larger than the {count} examples, so an epoch would have no full batch.");
        _count = count;
        _batchSize = batchSize;
        _seed = seed;
        BatchesPerEpoch = dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
    }

    /// <summary>Number of batches <see cref="Batches"/> yields for each epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The permutation of 0..count-1 used in <paramref name="epoch"/> (Fisher–Yates over SplitMix64).</summary>
    public int[] Order(int epoch)
    {
        var order = new int[_count];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        // Seeds from nearby (seed, epoch) pairs are spread apart by one SplitMix64 round each, so that
        // epoch e of seed s and epoch e-1 of seed s+1 do not share a stream.
        var mix = new SplitMix64(_seed);
        var rng = new SplitMix64(mix.Next() ^ new SplitMix64((ulong)(uint)epoch * 0xD1B54A32D192ED03UL).Next());
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextBelow(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Consecutive slices of <see cref="Order"/>(<paramref name="epoch"/>), starting at batch <paramref name="startBatch"/>.</summary>
    public IEnumerable<int[]> Batches(int epoch, int startBatch = 0)
    {
        if (startBatch < 0 || startBatch > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(startBatch), $"start batch {startBatch} is outside 0..{BatchesPerEpoch}.");
        return Iterate(Order(epoch), startBatch);
    }

    /// <summary>As <see cref="Batches"/>, each batch a slice of the epoch's order rather than a copy: one allocation per epoch, none per batch.</summary>
    public IEnumerable<ReadOnlyMemory<int>> Slices(int epoch, int startBatch = 0)
    {
        if (startBatch < 0 || startBatch > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(startBatch), $"start batch {startBatch} is outside 0..{BatchesPerEpoch}.");
        return IterateSlices(Order(epoch), startBatch);
    }

    private IEnumerable<ReadOnlyMemory<int>> IterateSlices(int[] order, int startBatch)
    {
        for (int b = startBatch; b < BatchesPerEpoch; b++)
        {
            int start = b * _batchSize;
            yield return order.AsMemory(start, Math.Min(_batchSize, order.Length - start));
        }
    }

    private IEnumerable<int[]> Iterate(int[] order, int startBatch)
    {
        for (int b = startBatch; b < BatchesPerEpoch; b++)
        {
            int start = b * _batchSize;
            yield return order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray();
        }
    }
}
