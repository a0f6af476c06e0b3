using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace IlgpuAe.Compute;

/// <summary>
/// cuBLAS SGEMM through P/Invoke, as the baseline the GPU GEMM is measured against (bench only; the engine never calls
/// it). Loaded from $ILGPU_AE_CUBLAS when set, else from the usual sonames; absent on a machine with only the driver.
/// </summary>
public sealed class CublasSgemm : IDisposable
{
    delegate int CreateFn(out IntPtr handle);
    delegate int DestroyFn(IntPtr handle);
    delegate int SetStreamFn(IntPtr handle, IntPtr stream);
    delegate int SgemmFn(IntPtr handle, int transa, int transb, int m, int n, int k, ref float alpha,
        IntPtr a, int lda, IntPtr b, int ldb, ref float beta, IntPtr c, int ldc);

    const int OpN = 0, OpT = 1;
    static readonly string[] Names = ["libcublas.so", "libcublas.so.13", "libcublas.so.12", "libcublas.so.11"];

    readonly Device _device;
    readonly DestroyFn _destroy;
    readonly SgemmFn _sgemm;
    IntPtr _handle;

    /// <summary>The library that was loaded.</summary>
    public string Library { get; }

    CublasSgemm(Device device, IntPtr library, string name)
    {
        T Fn<T>(string symbol) where T : Delegate =>
            NativeLibrary.TryGetExport(library, symbol, out var p)
                ? Marshal.GetDelegateForFunctionPointer<T>(p)
                : throw new IlgpuAeException($"{name} has no {symbol}");
        _device = device;
        Library = name;
        _destroy = Fn<DestroyFn>("cublasDestroy_v2");
        _sgemm = Fn<SgemmFn>("cublasSgemm_v2");
        int created = Fn<CreateFn>("cublasCreate_v2")(out _handle);
        if (created != 0) throw new IlgpuAeException($"cublasCreate failed with status {created}");
        // ILGPU launches on the legacy default stream (0); cuBLAS runs there too, so the two are ordered.
        int set = Fn<SetStreamFn>("cublasSetStream_v2")(_handle, ((CudaStream)device.Accelerator.DefaultStream).StreamPtr);
        if (set != 0) throw new IlgpuAeException($"cublasSetStream failed with status {set}");
    }

    /// <summary>
    /// cuBLAS on <paramref name="device"/>, or null and why not: the device is not CUDA, or no library loads (the
    /// reason then starts with "cuBLAS not found").
    /// </summary>
    public static CublasSgemm? TryOpen(Device device, out string whyNot, IEnumerable<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Accelerator is not CudaAccelerator)
        {
            whyNot = $"cuBLAS needs the CUDA backend (this device is {Device.BackendName(device.Backend)})";
            return null;
        }
        var candidates = names?.ToArray() ?? (Environment.GetEnvironmentVariable("ILGPU_AE_CUBLAS") is { Length: > 0 } path ? [path, .. Names] : Names);
        foreach (var name in candidates)
            if (NativeLibrary.TryLoad(name, typeof(CublasSgemm).Assembly, null, out var library))
            {
                whyNot = "";
                return new CublasSgemm(device, library, name);
            }
        whyNot = $"cuBLAS not found (tried {string.Join(", ", candidates)}; set ILGPU_AE_CUBLAS to its path)";
        return null;
    }

    /// <summary>Row-major C[m,n] = alpha·op(A)·op(B) + beta·C as the engine's GEMM takes it (A [m,k] or [k,m] when transA; B [k,n] or [n,k]).</summary>
    public void Run(bool transA, bool transB, int m, int n, int k, float alpha, ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        // cuBLAS is column-major: a row-major X is its transpose, so C^T = op(B)^T·op(A)^T with the operands swapped.
        int status = _sgemm(_handle, transB ? OpT : OpN, transA ? OpT : OpN, n, m, k, ref alpha,
            Address(b), transB ? k : n, Address(a), transA ? m : k, ref beta, Address(c), n);
        if (status != 0) throw new IlgpuAeException($"cublasSgemm failed with status {status}");
    }

    static IntPtr Address(ArrayView<float> view) =>
        ((IArrayView)view).Buffer.NativePtr + (nint)((IContiguousArrayView)view).IndexInBytes;

    /// <summary>Destroys the cuBLAS handle (once).</summary>
    public void Dispose()
    {
        if (_handle != IntPtr.Zero) _destroy(_handle);
        _handle = IntPtr.Zero;
        GC.KeepAlive(_device);
    }
}
