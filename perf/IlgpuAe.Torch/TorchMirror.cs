using IlgpuAe.Models;
using IlgpuAe.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IlgpuAe.Torch;

/// <summary>
/// The libtorch twin of one of our models: the same layers, read off our parameter names, as TorchSharp functional calls on
/// Parameters that start as copies of our values, and torch.optim.Adam(lr 1e-3) over them. The loss is ours term by term:
/// BCE-with-logits summed over pixels and averaged over the batch, plus the closed-form KL (VAE; the CVAE's against its learned
/// prior network, with the one-hot label added to the first layer of encoder and decoder), λ·mean Σ|h| (L1 sparse) or
/// λ·mean Σ_j (h_j(1−h_j))²‖W_j‖² (one-layer sigmoid CAE). A model or option it does not mirror is refused by name, never guessed.
/// </summary>
public sealed class TorchMirror : IDisposable
{
    readonly Dictionary<string, Parameter> _p = [];
    readonly List<string> _order = [];
    readonly ConvOptions? _conv;
    readonly bool _vae, _cvae;
    readonly int _classes;
    readonly Activation _code;
    readonly double _l1, _contractive, _noise;
    readonly bool _sparse, _cae;
    readonly int _features;

    /// <summary>Mirrors <paramref name="model"/> with its current parameter values; <see cref="NotSupportedException"/> for what it cannot mirror.</summary>
    public TorchMirror(Model<float> model)
    {
        Kind = model.Kind;
        _features = model.Features;
        switch (model)
        {
            case Vae<float> v when v.GetType() == typeof(Vae<float>):
                var o = v.Options;
                if (o.Posterior != Posterior.Diag || o.Decoder != Decoder.Bernoulli || o.Prior != Prior.Normal || o.Beta != 1 || o.TcBeta is not null
                    || o.BetaSchedule is not null || o.Activation != Activation.Relu || o.Conv?.Norm is not (null or Normalization.None))
                    throw new NotSupportedException("only the default VAE (diagonal posterior, Bernoulli decoder, N(0, I) prior, beta 1, ReLU, no norm) is mirrored");
                (_vae, _conv) = (true, o.Conv);
                break;
            case Cvae<float> cv when cv.GetType() == typeof(Cvae<float>):
                var co = cv.Options;
                if (co.Condition != Models.Condition.Label || co.Beta != 1 || co.BetaSchedule is not null || co.Activation != Activation.Relu || co.Conv is not null)
                    throw new NotSupportedException("only the MLP CVAE with a label condition, beta 1 and ReLU is mirrored");
                (_vae, _cvae, _classes) = (true, true, co.Classes);
                break;
            case Autoencoder<float> a:
                var ao = a.Options;
                if (ao.Loss != Reconstruction.Bce || ao.Activation != Activation.Relu || ao.Conv?.Norm is not (null or Normalization.None))
                    throw new NotSupportedException("only BCE autoencoders with ReLU hidden layers and no norm are mirrored");
                (_conv, _code) = (ao.Conv, ao.CodeActivation);
                switch (a)
                {
                    case SparseAutoencoder<float> s when s.Sparse.Sparsity == Sparsity.L1: (_sparse, _l1) = (true, s.Sparse.Lambda); break;
                    case SparseAutoencoder<float>: throw new NotSupportedException("KL sparsity is not mirrored");
                    case ContractiveAutoencoder<float> c when c.Contractive.Jacobian == JacobianMethod.Exact && ao.Hidden.Length == 0 && ao.Conv is null
                        && ao.CodeActivation == Activation.Sigmoid:
                        (_cae, _contractive) = (true, c.Contractive.Lambda);
                        break;
                    case ContractiveAutoencoder<float>: throw new NotSupportedException("only the one-layer sigmoid CAE with the exact penalty is mirrored");
                    case DenoisingAutoencoder<float> d when d.Denoising.Noise.Kind == Ops.NoiseKind.Gaussian: _noise = d.Denoising.Noise.Level; break;
                    case DenoisingAutoencoder<float>: throw new NotSupportedException("only Gaussian input noise is mirrored");
                    default:
                        if (a.GetType() != typeof(Autoencoder<float>)) throw new NotSupportedException($"model {a.Kind} is not mirrored");
                        break;
                }
                break;
            default:
                throw new NotSupportedException($"model {model.Kind} is not mirrored");
        }
        var values = model.Parameters.Download();
        foreach (var p in model.Parameters.Parameters)
        {
            var t = torch.tensor(values.AsSpan((int)p.Offset, (int)p.Length).ToArray(), [p.Rows, p.Cols]);
            _p[p.Name] = new Parameter(t, requires_grad: true);
            _order.Add(p.Name);
        }
        Adam = torch.optim.Adam(_order.Select(n => _p[n]), lr: 1e-3);
    }

    /// <summary>Our model's kind.</summary>
    public string Kind { get; }
    /// <summary>torch.optim.Adam(lr 1e-3, betas 0.9/0.999, eps 1e-8) over every parameter.</summary>
    public torch.optim.Optimizer Adam { get; }
    /// <summary>Our parameter names in our order (the flat buffer's).</summary>
    public IReadOnlyList<string> Names => _order;
    /// <summary>The parameter mirroring ours of that name, shaped [rows, cols] as ours.</summary>
    public Parameter this[string name] => _p[name];

    bool Has(string name) => _p.ContainsKey(name + ".weight");
    Tensor W(string name) => _p[name + ".weight"];
    Tensor B(string name) => _p[name + ".bias"].view(-1);

    Tensor Linear(string name, Tensor x) => F.linear(x, W(name), B(name));

    Tensor Conv(string name, Tensor x, int cin)
    {
        long k = _conv!.Kernel;
        var w = W(name).view(W(name).shape[0], cin, k, k);
        return F.conv2d(x, w, B(name), strides: [_conv.Stride, _conv.Stride], padding: [_conv.Padding, _conv.Padding]);
    }

    Tensor ConvT(string name, Tensor x)
    {
        long k = _conv!.Kernel, cin = W(name).shape[0], cout = W(name).shape[1] / (k * k);
        var w = W(name).view(cin, cout, k, k);
        return F.conv_transpose2d(x, w, B(name), strides: [_conv.Stride, _conv.Stride], padding: [_conv.Padding, _conv.Padding]);
    }

    /// <summary>Layer <paramref name="i"/> of an MLP before its activation; the first of a conditioned one adds c·W_cᵀ (no bias of its own).</summary>
    Tensor Conditioned(string mlp, int i, Tensor x, Tensor? c) =>
        i == 0 && c is not null && _p.ContainsKey($"{mlp}.condition.weight")
            ? Linear($"{mlp}.0", x) + F.linear(c, _p[$"{mlp}.condition.weight"])
            : Linear($"{mlp}.{i}", x);

    static Tensor Act(Activation a, Tensor x) => a switch
    {
        Activation.Identity => x,
        Activation.Relu => F.relu(x),
        Activation.Sigmoid => torch.sigmoid(x),
        _ => throw new NotSupportedException($"activation {a} is not mirrored"),
    };

    /// <summary>The encoder trunk: convolutions (+ReLU) and flatten, then encoder.i (+ReLU; the AE's last with its code activation).</summary>
    Tensor Encode(Tensor x, Tensor? c)
    {
        long rows = x.shape[0];
        if (_conv is not null)
        {
            x = x.view(rows, _conv.ImageChannels, _conv.Height, _conv.Width);
            int cin = _conv.ImageChannels;
            for (int i = 0; Has($"encoder.conv.{i}"); i++)
            {
                x = F.relu(Conv($"encoder.conv.{i}", x, cin));
                cin = _conv.Channels[i];
            }
            x = x.view(rows, -1);
        }
        for (int i = 0; Has($"encoder.{i}"); i++)
            x = Act(!_vae && !Has($"encoder.{i + 1}") ? _code : Activation.Relu, Conditioned("encoder", i, x, c));
        return x;
    }

    /// <summary>decoder.i (+ReLU, except an MLP autoencoder's last), the transposed convolutions (+ReLU), then decoder.out: logits [rows, features].</summary>
    Tensor Decode(Tensor z, Tensor? c)
    {
        long rows = z.shape[0];
        bool separateOut = Has("decoder.out");
        for (int i = 0; Has($"decoder.{i}"); i++)
        {
            z = Conditioned("decoder", i, z, c);
            if (separateOut || Has($"decoder.{i + 1}")) z = F.relu(z);
        }
        if (_conv is not null)
        {
            var last = _conv.Sizes[^1];
            z = z.view(rows, _conv.Channels[^1], last.H, last.W);
            for (int j = 0; Has($"decoder.conv.{j}"); j++) z = F.relu(ConvT($"decoder.conv.{j}", z));
            return ConvT("decoder.out", z).view(rows, -1);
        }
        return separateOut ? Linear("decoder.out", z) : z;
    }

    /// <summary>
    /// The objective of one batch x [rows, features] and its terms by our names. <paramref name="draw"/> is the VAE's ε
    /// [rows, latent] or the DAE's corrupted input [rows, features]; null draws fresh ones with torch's generator.
    /// </summary>
    public (Tensor Loss, Dictionary<string, Tensor> Terms) Loss(Tensor x, Tensor? draw = null, Tensor? condition = null)
    {
        long rows = x.shape[0];
        var terms = new Dictionary<string, Tensor>();
        if (_cvae && condition is null) throw new ArgumentException("the cvae needs its one-hot condition");
        var c = _cvae ? condition : null;
        if (_vae)
        {
            var h = Encode(x, c);
            var mu = Linear("encoder.head.mean", h);
            var logvar = Linear("encoder.head.logvar", h);
            var eps = draw ?? torch.randn_like(mu);
            var z = mu + torch.exp(0.5 * logvar) * eps;
            var logits = Decode(z, c);
            terms["reconstruction"] = F.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.Sum) / rows;
            if (_cvae && Has("prior.0"))
            {
                // KL(N(μ, σ²) ‖ N(μ_p(c), σ_p²(c))) with the prior network prior.i (+ReLU), prior.mean, prior.logvar.
                var hp = c!;
                for (int i = 0; Has($"prior.{i}"); i++) hp = F.relu(Linear($"prior.{i}", hp));
                var pm = Linear("prior.mean", hp);
                var plv = Linear("prior.logvar", hp);
                terms["kl"] = 0.5 * torch.sum(plv - logvar + (logvar.exp() + (mu - pm).pow(2)) / plv.exp() - 1) / rows;
            }
            else terms["kl"] = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / rows;
            return (terms["reconstruction"] + terms["kl"], terms);
        }
        var input = _noise > 0 ? draw ?? x + _noise * torch.randn_like(x) : x;
        var code = Encode(input, null);
        var r = Decode(code, null);
        terms["reconstruction"] = F.binary_cross_entropy_with_logits(r, x, reduction: nn.Reduction.Sum) / rows;
        var loss = terms["reconstruction"];
        if (_sparse)
        {
            terms["sparsity"] = code.abs().sum() / rows;
            loss = loss + _l1 * terms["sparsity"];
        }
        if (_cae)
        {
            var slope = code * (1 - code);
            terms["contractive"] = torch.mv(slope.pow(2), W("encoder.0").pow(2).sum(1)).sum() / rows;
            loss = loss + _contractive * terms["contractive"];
        }
        return (loss, terms);
    }

    /// <summary>One training step as PyTorch users write it: zero_grad, forward, backward, Adam.step (CPU tensors: synchronous).</summary>
    public void Step(float[] images, byte[] labels, int rows)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(images, [rows, _features]);
        Adam.zero_grad();
        var (loss, _) = Loss(x, null, Condition(labels, rows));
        loss.backward();
        Adam.step();
    }

    /// <summary>The CVAE's one-hot labels [rows, classes] (as our Cvae feeds "c"); null for the other models.</summary>
    public Tensor? Condition(byte[] labels, int rows)
    {
        if (!_cvae) return null;
        var c = new float[rows * _classes];
        for (int r = 0; r < rows; r++)
        {
            if (labels[r] >= _classes) throw new ArgumentException($"label {labels[r]} is not below the cvae's {_classes} classes");
            c[r * _classes + labels[r]] = 1;
        }
        return torch.tensor(c, [rows, _classes]);
    }

    /// <summary>Frees the parameters and the optimizer.</summary>
    public void Dispose()
    {
        Adam.Dispose();
        foreach (var p in _p.Values) p.Dispose();
    }
}
