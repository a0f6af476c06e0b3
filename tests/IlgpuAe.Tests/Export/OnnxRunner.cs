using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace IlgpuAe.Tests.Export;

/// <summary>Runs an exported graph in ONNX Runtime (CPU) on float inputs [rows, cols] and returns every output by name.</summary>
static class OnnxRunner
{
    public static Dictionary<string, float[]> Run(string path, int rows, params (string Name, float[] Data)[] inputs)
    {
        using var session = new InferenceSession(path);
        var feeds = inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(i.Data, [rows, i.Data.Length / rows]))).ToList();
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
    }

    /// <summary>
    /// max_i |a_i − e_i| / max_i |e_i|: the max-norm relative difference of two outputs. Element by element would not
    /// do: a float dot product of 784 terms carries rounding of the size of its terms, not of its (possibly cancelled) sum.
    /// </summary>
    public static double MaxNormRelative(float[] onnx, float[] engine)
    {
        if (onnx.Length != engine.Length) throw new ArgumentException($"{onnx.Length} values against {engine.Length}");
        double worst = 0, scale = 0;
        for (int i = 0; i < onnx.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)onnx[i] - engine[i]));
            scale = Math.Max(scale, Math.Abs((double)engine[i]));
        }
        return double.IsFinite(worst) && scale > 0 ? worst / scale : double.PositiveInfinity;
    }
}
