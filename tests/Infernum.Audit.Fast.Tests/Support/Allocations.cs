using System;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Measures what a call allocates on this thread, after a warm-up (tiering, pools, first-use caches).</summary>
internal static class Allocations
{
    /// <returns>Bytes allocated by <paramref name="calls"/> calls after <paramref name="warmUp"/> unmeasured ones.</returns>
    public static long Measure(Action call, int warmUp, int calls, Action? afterWarmUp = null)
    {
        for (int i = 0; i < warmUp; i++)
        {
            call();
        }

        afterWarmUp?.Invoke();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
