using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>One part of the β-TCVAE decomposition of the KL (<see cref="TotalCorrelationKernels"/>).</summary>
public enum KlPart
{
    /// <summary>Index-code mutual information, mean_i [log q(z_i|x_i) − log q(z_i)].</summary>
    MutualInformation,
    /// <summary>Total correlation, mean_i [log q(z_i) − log Π_k q(z_ik)].</summary>
    TotalCorrelation,
    /// <summary>Dimension-wise KL, mean_i [log Π_k q(z_ik) − log p(z_i)].</summary>
    DimensionWiseKl,
}

/// <summary>
/// One part of the KL, estimated by minibatch-weighted sampling over the batch's codes z [B, d] and diagonal posteriors
/// (μ, logσ²) [B, d], for a training set of N images: a function of the whole batch. z, μ and logσ² all take gradients
/// (z's own path back to μ and logσ² runs through the reparameterisation).
/// </summary>
public sealed class TotalCorrelationOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly KlPart _part;
    readonly int _dataSize;

    /// <summary>The <paramref name="part"/> of the codes <paramref name="z"/>; IlgpuAeException when the shapes differ or <paramref name="dataSize"/> is below 1.</summary>
    public TotalCorrelationOp(Node<T> z, Node<T> mean, Node<T> logVar, KlPart part, int dataSize) : base(Names(part), z, mean, logVar)
    {
        Shapes.Same(z, mean, Name);
        Shapes.Same(z, logVar, Name);
        if (dataSize < 1) throw new IlgpuAeException($"{Name} needs the training set's size (at least 1), got {dataSize}");
        _part = part;
        _dataSize = dataSize;
    }

    static string Names(KlPart part) => part switch
    {
        KlPart.MutualInformation => "tc_mi",
        KlPart.TotalCorrelation => "tc_tc",
        _ => "tc_dwkl",
    };

    int Rows => Inputs[0].Rows;
    int Dim => Inputs[0].Cols;
    long Stats => (long)Rows * Rows + (long)Rows * Dim;

    /// <summary>The three inputs: backward recomputes the softmax weights from them.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>Row values, a_ij [B, B] and the per-dimension log-sum-exps [B, d].</summary>
    public override long ForwardScratch(Device device) => Rows + Stats;

    /// <summary>The same recomputed, plus room for dμ and dlogσ² when they cannot be written directly.</summary>
    public override long BackwardScratch(Device device) => Rows + Stats + ScatterScratch(1, 2);

    void Compute(Exec<T> x, ArrayView<T> s)
    {
        var loop = x.Device.LoopFor(Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, int>(TotalCorrelationKernels.Forward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Inputs[2]), s.SubView(0, Rows), s.SubView(Rows, (long)Rows * Rows),
            s.SubView(Rows + (long)Rows * Rows, (long)Rows * Dim), Dim, T.Log(T.CreateTruncating((double)_dataSize * Rows)), (int)_part);
    }

    /// <summary>The part, a mean over the batch's rows.</summary>
    public override void Forward(Exec<T> x)
    {
        var s = x.Scratch(this);
        Compute(x, s);
        SumToScalar(x, s.SubView(0, Rows), x.Value(Output), PerRow(Rows));
    }

    /// <summary>dz, dμ and dlogσ² of the part, each scaled by dpart/B and accumulated with its input's beta.</summary>
    public override void Backward(Exec<T> x)
    {
        var s = x.Scratch(this);
        Compute(x, s);
        var resp = s.SubView(Rows, (long)Rows * Rows);
        var lse = s.SubView(Rows + (long)Rows * Rows, (long)Rows * Dim);
        var rest = s.SubView(Rows + Stats, ScatterScratch(1, 2));
        int part = (int)_part;
        var v = Inputs.Select(x.Value).ToArray();
        var g = x.Grad(Output);
        T scale = PerRow(Rows);
        var loop = x.Device.LoopFor(Rows);
        if (x.NeedsGrad(Inputs[0]))
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T>(TotalCorrelationKernels.BackwardZ)(
                loop.Threads, loop, v[0], v[1], v[2], resp, lse, g, x.Grad(Inputs[0]), Dim, part, scale, x.Beta(this, 0));
        var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T>(
            TotalCorrelationKernels.BackwardPosterior);
        Scatter(x, rest, [1, 2], (d, beta) => k(loop.Threads, loop, v[0], v[1], v[2], resp, lse, g, d[0], d[1], Dim, part, scale, beta));
    }
}
