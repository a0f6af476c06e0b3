using System.Numerics;
using ILGPU.Runtime;
using IlgpuAe.Distributed;

namespace IlgpuAe.Tests.Distributed;

/// <summary>
/// N ranks in one process, one thread each, that sum through shared arrays and a barrier, always in rank order: a stand-in
/// for MPI that lets the trainer's data-parallel logic be tested in double precision in seconds.
/// </summary>
sealed class ThreadRanks(int ranks)
{
    readonly Barrier _barrier = new(ranks);
    readonly Array?[] _slots = new Array?[ranks];

    public int Count => ranks;

    public IDataParallel Rank(int rank) => new Member(this, rank);

    /// <summary>Runs <paramref name="body"/> for every rank on its own thread and returns the results in rank order; a failure on any rank is rethrown.</summary>
    public TResult[] Run<TResult>(Func<IDataParallel, TResult> body)
    {
        var results = new TResult[ranks];
        var errors = new Exception?[ranks];
        var threads = Enumerable.Range(0, ranks).Select(r => new Thread(() =>
        {
            try { results[r] = body(Rank(r)); }
            catch (Exception e)
            {
                errors[r] = e;
                _barrier.RemoveParticipant(); // the others must not wait for it
            }
        }, 16 << 20)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not null) is { } first) throw first;
        return results;
    }

    void Sum<T>(int rank, Span<T> values) where T : INumber<T>
    {
        var mine = values.ToArray();
        _slots[rank] = mine;
        _barrier.SignalAndWait();
        for (int i = 0; i < values.Length; i++)
        {
            T acc = ((T[])_slots[0]!)[i];
            for (int r = 1; r < ranks; r++) acc += ((T[])_slots[r]!)[i];
            values[i] = acc;
        }
        _barrier.SignalAndWait();
    }

    sealed class Member(ThreadRanks group, int rank) : IDataParallel
    {
        public int Rank => rank;
        public int Ranks => group.Count;

        public void SumGradients<T>(ParameterStore<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var grads = parameters.DownloadGrads();
            group.Sum<T>(rank, grads);
            parameters.Grads.CopyFromCPU(grads);
        }

        public void Sum(Span<double> values) => group.Sum(rank, values);
    }
}
