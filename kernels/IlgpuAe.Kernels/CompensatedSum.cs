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
    /// The sum so far, its kept rounding errors added back. An infinite sum is returned as it is: its error term is
    /// inf − inf = NaN, and a divergence report must still say Infinity where a term overflowed (s − s is 0 exactly
    /// when s is finite, an arithmetic test every backend compiles).
    /// </summary>
    public readonly T Value => _sum - _sum == T.Zero ? _sum + _error : _sum;
}
