using System.Numerics;

namespace IlgpuAe.Distributed;

/// <summary>
/// What a trainer needs from data-parallel training: its rank among the others, one sum over the ranks of the flat gradient
/// buffer per step, and sums of a few host numbers (loss terms, flags). Each rank trains on its share of every batch
/// (<see cref="Shares"/>) with a replica of the model; every rank ends a step with the same summed gradient and so the same parameters.
/// </summary>
public interface IDataParallel
{
    /// <summary>This process's rank, from 0; rank 0 alone writes files.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Ranks { get; }

    /// <summary>Replaces every rank's gradient buffer by the sum over the ranks (each already scaled by its share of the batch).</summary>
    void SumGradients<T>(ParameterStore<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Replaces <paramref name="values"/> on every rank by their sum over the ranks.</summary>
    void Sum(Span<double> values);
}

/// <summary>How a batch of rows is split over ranks: in rank order, as evenly as possible (the first rows % ranks ranks take one more).</summary>
public static class Shares
{
    /// <summary>The first row and the row count of <paramref name="rank"/>'s share of <paramref name="rows"/> rows over <paramref name="ranks"/> ranks.</summary>
    public static (int First, int Count) Of(int rows, int rank, int ranks)
    {
        if (ranks <= 0 || rank < 0 || rank >= ranks) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} is not one of {ranks} ranks");
        int each = rows / ranks, extra = rows % ranks;
        return (rank * each + Math.Min(rank, extra), each + (rank < extra ? 1 : 0));
    }
}
