// The gradient all-reduce alone, without training: mpirun -np 2 --bind-to core --mca btl self,vader \
//     dotnet run -c Release perf/distributed/allreduce.cs -- 652824 2000
// (P floats, repetitions; 652,824 is the VAE 784-400-20's gradient). Each repetition starts after a 1-double all-reduce,
// so that the time is the transfer and the sum, not a wait for the other rank. Rank 0 prints the median and the quartiles.
#:project ../../src/IlgpuAe/IlgpuAe.csproj
#:property AllowUnsafeBlocks=true
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using IlgpuAe.Distributed;

int count = args.Length > 0 ? int.Parse(args[0]) : 652_824;
int repeats = args.Length > 1 ? int.Parse(args[1]) : 1000;
var mpi = Mpi.Open();
var data = new float[count];
var times = new double[repeats];
Span<double> sync = stackalloc double[1];
unsafe
{
    fixed (float* p = data)
    {
        for (int r = -20; r < repeats; r++)
        {
            Array.Fill(data, 1f / (mpi.Rank + 1));
            mpi.SumInPlace(sync);
            long start = Stopwatch.GetTimestamp();
            mpi.SumInPlace(p, count);
            if (r >= 0) times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }
}
Array.Sort(times);
if (mpi.Rank == 0)
    Console.WriteLine($"{mpi.Size} ranks, {count} floats ({count * 4 / 1e6:F2} MB), {repeats} all-reduces: median {times[repeats / 2]:F3} ms, " +
        $"quartiles {times[repeats / 4]:F3}-{times[3 * repeats / 4]:F3} ms, min {times[0]:F3} ms");
mpi.Dispose();
