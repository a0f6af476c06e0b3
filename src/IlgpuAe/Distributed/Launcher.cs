using System.Globalization;

namespace IlgpuAe.Distributed;

/// <summary>What mpirun tells the processes it starts, through their environment.</summary>
public static class Launcher
{
    /// <summary>The number of ranks mpirun started (OMPI_COMM_WORLD_SIZE), or null when this process was not started by Open MPI's mpirun.</summary>
    public static int? WorldSize() => Read("OMPI_COMM_WORLD_SIZE");

    /// <summary>This process's rank as mpirun numbered it (OMPI_COMM_WORLD_RANK), or null outside mpirun.</summary>
    public static int? WorldRank() => Read("OMPI_COMM_WORLD_RANK");

    /// <summary>This rank's number among the ranks on its own host (OMPI_COMM_WORLD_LOCAL_RANK): which GPU it takes.</summary>
    public static int LocalRank() => Read("OMPI_COMM_WORLD_LOCAL_RANK") ?? 0;

    static int? Read(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null;
}
