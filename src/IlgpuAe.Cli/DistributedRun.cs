using System.Globalization;
using IlgpuAe.Checkpoints;
using IlgpuAe.Distributed;

namespace IlgpuAe.Cli;

/// <summary>
/// `train --distributed mpi`: this process is one rank of an mpirun job. Opens MPI before the device, says which rank
/// writes (rank 0 alone), records the rank count in the checkpoint and refuses to resume with another.
/// </summary>
public sealed class DistributedRun : IDisposable
{
    /// <summary>The option and its one value.</summary>
    public const string Option = "distributed", VerifyFlag = "verify-replicas";

    /// <summary>The checkpoint metadata key of the rank count (absent: 1).</summary>
    public const string RanksKey = "run.ranks";

    DistributedRun(MpiDataParallel parallel) => Parallel = parallel;

    /// <summary>The data-parallel hook for the trainer.</summary>
    public MpiDataParallel Parallel { get; }

    /// <summary>The ranks of a run without --distributed: 1.</summary>
    public static int RanksOf(DistributedRun? run) => run?.Parallel.Ranks ?? 1;

    /// <summary>Whether this process writes files and prints (rank 0, or a run without --distributed).</summary>
    public static bool IsRoot(DistributedRun? run) => run is null || run.Parallel.Rank == 0;

    /// <summary>Opens MPI when <c>--distributed mpi</c> was given, else null; checks first that a resumed checkpoint was written by as many ranks as mpirun started.</summary>
    public static DistributedRun? Open(bool distributed, bool verify, string? resumeCheckpoint)
    {
        if (!distributed && verify) throw new UsageException($"--{VerifyFlag} needs --{Option} mpi");
        if (resumeCheckpoint is not null)
        {
            int written = SafeTensors.Read(resumeCheckpoint).Metadata.TryGetValue(RanksKey, out var r)
                && int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 1;
            int now = distributed ? Launcher.WorldSize() ?? 1 : 1;
            if (written != now)
                throw new IlgpuAeException($"cannot resume: {resumeCheckpoint} was written by a run of {written} rank{(written == 1 ? "" : "s")}, " +
                    $"this one has {now}; a run resumes exactly only with the same split of every batch" +
                    (written > 1 ? $" (mpirun -np {written} ilgpu-ae train --resume DIR)" : " (without mpirun)"));
        }
        return distributed ? new DistributedRun(MpiDataParallel.Open()) : null;
    }

    /// <summary>The metadata a checkpoint of this run carries: the rank count.</summary>
    public static string Ranks(DistributedRun? run) => RanksOf(run).ToString(CultureInfo.InvariantCulture);

    /// <summary>"2 ranks; gradient all-reduce 0.210 ms per step after the first (312 steps; the first, which connects the ranks, 40.1 ms)".</summary>
    public string Summary() =>
        $"{Parallel.Ranks} ranks; gradient all-reduce {Parallel.ReductionTime.TotalMilliseconds / Math.Max(1, Parallel.Reductions - 1):F3} ms per step after the first " +
        $"({Parallel.Reductions} steps; the first, which connects the ranks, {Parallel.FirstReductionTime.TotalMilliseconds:F1} ms)";

    /// <summary>The run finished on this rank: MPI is finalised on dispose.</summary>
    public void Complete() => Parallel.Complete();

    public void Dispose() => Parallel.Dispose();
}
