using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Vector quantisation: nearest codes, the quantised values, use statistics and the codebook's upkeep.
public sealed partial class GraphBuilder<T>
{
    /// <summary>The index of the nearest code of each D-wide code vector of z [rows, n·D] in codebook [K, D]: [rows·n, 1], no gradient.</summary>
    public Node<T> NearestCode(Node<T> z, Node<T> codebook) => Add(new NearestCodeOp<T>(z, codebook), checked(z.Rows * (z.Cols / codebook.Cols)), 1);

    /// <summary>The codes at <paramref name="index"/> laid out as [rows, cols] (cols a multiple of D); the gradient goes to the codebook.</summary>
    public Node<T> GatherCodes(Node<T> codebook, Node<T> index, int rows, int cols)
    {
        if ((long)rows * cols != (long)index.Rows * codebook.Cols)
            throw new IlgpuAeException($"gather codes: {index.Rows} codes of {codebook.Cols} values do not fill [{rows}x{cols}]");
        return Add(new GatherCodesOp<T>(codebook, index), rows, cols);
    }

    /// <summary>How often each of <paramref name="codes"/> codes occurs among <paramref name="index"/>: [1, codes], no gradient.</summary>
    public Node<T> CodeCounts(Node<T> index, int codes) => Add(new CodeCountsOp<T>(index), 1, codes);

    /// <summary>The fraction of codes used, from their counts: a [1, 1] statistic (report it as a term of weight 0).</summary>
    public Node<T> CodebookUsage(Node<T> counts) => Add(new CodebookStatisticOp<T>(counts, perplexity: false), 1, 1);

    /// <summary>exp(−Σ p ln p) of the codes' use frequencies (K when all are used equally, 1 when one is): a [1, 1] statistic.</summary>
    public Node<T> CodePerplexity(Node<T> counts) => Add(new CodebookStatisticOp<T>(counts, perplexity: true), 1, 1);

    /// <summary>The codebook's EMA update and dead-code restart in a training graph (see <see cref="CodebookUpkeepOp{T}"/>); the returned node carries nothing.</summary>
    public Node<T> CodebookUpkeep(CodebookUpkeep<T> upkeep, Node<T> z, Node<T> index, Node<T> counts, Node<T> codebook) =>
        Add(new CodebookUpkeepOp<T>(Parameters, upkeep, z, index, counts, codebook), 1, 1);
}
