namespace IlgpuAe.Kernels;

/// <summary>
/// How the reductions add many terms in float to about one rounding of the total, whatever their number (a running
/// float sum of 200,000 terms drifts by 1e-6 to 2e-5 relative). A thread adds its terms plainly into a partial over a
/// block of at most <see cref="Blocked.Size"/> of them (the error grows with the block, not with the whole length), and
/// folds each block's partial into a <see cref="CompensatedSum{T}"/>. One fold per block costs nothing beside the block.
/// </summary>
public static class Blocked
{
    /// <summary>Terms added plainly before a partial is folded into the compensated total.</summary>
    public const int Size = 128;
}

/// <summary>
/// The terms of a blocked sum, term j by j: a struct beside its kernel holding the views and offsets its formula reads, so that
/// the kernel states only that formula and <see cref="CompensatedSum{T}.AddBlocks{TTerms}"/> owns the order of the additions.
/// Called through a struct constraint, never boxed: no delegate or virtual call reaches ILGPU, which inlines it.
/// </summary>
public interface IBlockedTerms<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Term j.</summary>
    T Term(int j);
}

/// <summary>x[o + j]: the elements of a contiguous run (a row of a row-major matrix, or a stretch of a buffer).</summary>
public readonly struct RunTerms<T>(ArrayView<T> x, long o) : IBlockedTerms<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Term(int j) => x[o + j];
}

/// <summary>x[o + j]²: the squares of a contiguous run.</summary>
public readonly struct SquareTerms<T>(ArrayView<T> x, long o) : IBlockedTerms<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Term(int j) => x[o + j] * x[o + j];
}

/// <summary>x[j·cols + c]: column c of a row-major matrix of <c>cols</c> columns, row j.</summary>
public readonly struct ColumnTerms<T>(ArrayView<T> x, int cols, int c) : IBlockedTerms<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public T Term(int j) => x[(long)j * cols + c];
}

/// <summary>
/// A Neumaier-compensated sum: s' = s + v, and the rounding error of that addition, recovered exactly as
/// (s − s') + v when |s| ≥ |v| (else (v − s') + s), is kept apart and added back once at the end (Neumaier 1974).
/// </summary>
public struct CompensatedSum<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T _sum, _error;

    /// <summary>Adds v.</summary>
    public void Add(T v)
    {
        T s = _sum + v;
        _error += T.Abs(_sum) >= T.Abs(v) ? (_sum - s) + v : (v - s) + _sum;
        _sum = s;
    }

    /// <summary>
    /// Adds terms j for j in [start, end): plainly, in ascending j, within blocks of <see cref="Blocked.Size"/> counted from start,
    /// each block's partial folded in with <see cref="Add"/>.
    /// </summary>
    public void AddBlocks<TTerms>(TTerms terms, int start, int end) where TTerms : struct, IBlockedTerms<T>
    {
        for (int s = start; s < end; s += Blocked.Size)
        {
            T part = T.Zero;
            for (int j = s, stop = Math.Min(s + Blocked.Size, end); j < stop; j++) part += terms.Term(j);
            Add(part);
        }
    }

    /// <summary>Terms 0 to count − 1 summed blocked and compensated (<see cref="AddBlocks{TTerms}"/> on a fresh sum).</summary>
    public static T OfBlocks<TTerms>(TTerms terms, int count) where TTerms : struct, IBlockedTerms<T>
    {
        var acc = new CompensatedSum<T>();
        acc.AddBlocks(terms, 0, count);
        return acc.Value;
    }

    /// <summary>
    /// The sum so far, its kept rounding errors added back. An infinite sum is returned as it is: its error term is
    /// inf − inf = NaN, and a divergence report must still say Infinity where a term overflowed (s − s is 0 exactly
    /// when s is finite, an arithmetic test every backend compiles).
    /// </summary>
    public readonly T Value => _sum - _sum == T.Zero ? _sum + _error : _sum;
}
