namespace IlgpuAe;

// The words both the engine and the kernels speak live in the root namespace, so that a model can name an
// activation without importing the kernels.

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
