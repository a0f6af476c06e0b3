using IlgpuAe.Distributed;
using Xunit;

namespace IlgpuAe.Tests.Distributed;

/// <summary>The MPI binding's failures a user can meet before any rank runs.</summary>
public class MpiBindingTests
{
    [Fact]
    public void A_missing_mpi_library_is_one_clear_error_naming_the_packages()
    {
        var e = Assert.Throws<IlgpuAeException>(() => MpiDataParallel.Open("libmpi-not-here.so.40"));
        Assert.Contains("libmpi-not-here.so.40", e.Message);
        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", e.Message);
    }

    [SkippableFact]
    public void Outside_mpirun_opening_mpi_says_to_start_under_mpirun()
    {
        Skip.If(MpiRun.Mpirun is null, MpiRun.Missing);
        Skip.If(Launcher.WorldSize() is not null, "the tests themselves run under mpirun");
        var e = Assert.Throws<IlgpuAeException>(() => MpiDataParallel.Open());
        Assert.Contains("mpirun -np N ilgpu-ae train", e.Message);
    }
}
