using System;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Measures what a call allocates on this thread in a steady state, after a warm-up.</summary>
internal static class Allocations
{
    private const int Rounds = 3;

    /// <summary>
    /// Runs <paramref name="warmUp"/> unmeasured calls, then up to three rounds of <paramref name="calls"/> measured
    /// calls, and returns the least any round allocated (stopping at the first round that allocated nothing).
    /// </summary>
    /// <remarks>
    /// An allocation per call shows in every round; a one-time lazy initialization that the warm-up happened not to
    /// reach (a rarely taken path first hit under a loaded machine, a runtime cache) shows in one round only and is
    /// not a steady-state cost. Each round is still an exact count over all its calls.
    /// </remarks>
    public static long Measure(Action call, int warmUp, int calls, Action? afterWarmUp = null)
    {
        for (int i = 0; i < warmUp; i++)
        {
            call();
        }

        afterWarmUp?.Invoke();
        long least = long.MaxValue;
        for (int round = 0; round < Rounds && least != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
