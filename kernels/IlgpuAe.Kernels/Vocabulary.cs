namespace IlgpuAe;

// The words both the engine and the kernels speak live in the root namespace, so that a model can name an
// activation or a reconstruction loss without importing the kernels.

/// <summary>The activations the engine knows, named for the CLI and checkpoints.</summary>
public enum Activation
{
    /// <summary>y = x</summary>
    Identity,
    /// <summary>y = max(x, 0)</summary>
    Relu,
    /// <summary>y = x if x &gt; 0 else a·x (a the slope)</summary>
    LeakyRelu,
    /// <summary>y = 1 / (1 + e^-x)</summary>
    Sigmoid,
    /// <summary>y = tanh(x)</summary>
    Tanh,
    /// <summary>y = log(1 + e^x)</summary>
    Softplus,
    /// <summary>y = x if x &gt; 0 else a·(e^x - 1) (a the scale)</summary>
    Elu,
}

/// <summary>Per-element reconstruction losses the engine knows (LossKernels), beside <see cref="Activation"/>.</summary>
public enum Reconstruction
{
    /// <summary>Bernoulli likelihood: binary cross-entropy on logits, targets in [0, 1].</summary>
    Bce,
    /// <summary>Sum of squared errors (a Gaussian likelihood with fixed variance, up to constants).</summary>
    Mse,
}
