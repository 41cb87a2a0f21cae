using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary>Heap measurements are of the whole process: these tests run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(MemoryBudgetTests), DisableParallelization = true)]
public sealed class MemoryBudgetCollection
{
}

/// <summary>
/// The bound counts bytes waiting for the sink: threads that logged and went idle, exited or never come back hold
/// none of it and keep no memory; a disposed logger allocates nothing and can be collected.
/// </summary>
[Collection(nameof(MemoryBudgetTests))]
public sealed class MemoryBudgetTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const long Slack = 16L * 1024 * 1024;

    [Fact]
    public void Four_hundred_threads_that_each_logged_once_and_wait_leave_the_bound_to_the_next_under_fail_closed()
    {
        const int Threads = 400;
        var sink = new DiscardSink();
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { FullMode = AuditFullMode.FailClosed });
        using var release = new ManualResetEventSlim(false);
        int accepted = 0;
        var threads = new Thread[Threads];
        for (int i = 0; i < Threads; i++)
        {
            using var logged = new ManualResetEventSlim(false);
            threads[i] = new Thread(() =>
            {
                LogOnce(logger, ref accepted);

                logged.Set();
                release.Wait();
            }, 256 * 1024);
            threads[i].Start();
            logged.Wait();
        }

        logger.Flush();
        AuditCounters counters = logger.Counters;
        release.Set();
        Array.ForEach(threads, t => t.Join());
        logger.Dispose();

        Assert.Equal(Threads, accepted);
        Assert.Equal(0, counters.DroppedRejected);
        Assert.Equal(Threads, sink.Lines);
        Assert.Equal(0, counters.BufferedBytes); // nothing waits for the sink: no credit held by the idle threads counts
    }

    [Fact]
    public void Ten_thousand_live_threads_that_each_logged_once_are_all_written_within_the_memory_bound()
    {
        const int Threads = 10_000;
        var sink = new DiscardSink();
        var delivery = new AuditDeliveryOptions { FullMode = AuditFullMode.FailClosed };
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var logger = new AuditLogger(sink, null, delivery);
        using var release = new ManualResetEventSlim(false);
        using var allLogged = new CountdownEvent(Threads);
        int accepted = 0;
        var threads = new Thread[Threads];
        for (int i = 0; i < Threads; i++)
        {
            threads[i] = new Thread(() =>
            {
                LogOnce(logger, ref accepted);

                allLogged.Signal();
                release.Wait();
            }, 128 * 1024);
            threads[i].Start();
        }

        allLogged.Wait();
        logger.Flush();
        Thread.Sleep(300); // long enough for the writer to take back what idle threads hold
        long growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        release.Set();
        Array.ForEach(threads, t => t.Join());
        logger.Dispose();

        output.WriteLine($"heap growth with {Threads} live threads: {growth:N0} bytes");
        Assert.Equal(Threads, accepted);
        Assert.Equal(Threads, sink.Lines);
        Assert.True(growth < delivery.MaxBufferedBytes + Slack, $"heap grew {growth:N0} bytes with {Threads} live threads");
    }

    [Fact]
    public void A_hundred_thousand_threads_created_and_ended_sixty_four_at_a_time_keep_nothing()
    {
        const int Total = 100_000;
        const int Alive = 64;
        var sink = new DiscardSink();
        var delivery = new AuditDeliveryOptions { FullMode = AuditFullMode.FailClosed };
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var logger = new AuditLogger(sink, null, delivery);
        int accepted = 0;
        int started = 0;
        var workers = Enumerable.Range(0, Alive).Select(_ => new Thread(() =>
        {
            while (Interlocked.Increment(ref started) <= Total / Alive * Alive)
            {
                var thread = new Thread(() =>
                {
                    LogOnce(logger, ref accepted);
                }, 128 * 1024);
                thread.Start();
                thread.Join();
            }
        })).ToArray();
        Array.ForEach(workers, w => w.Start());
        Array.ForEach(workers, w => w.Join());
        logger.Flush();
        long growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        logger.Dispose();

        int expected = Total / Alive * Alive;
        output.WriteLine($"heap growth after {expected} threads: {growth:N0} bytes");
        Assert.Equal(expected, accepted);
        Assert.Equal(expected, sink.Lines);
        Assert.True(growth < delivery.MaxBufferedBytes + Slack, $"heap grew {growth:N0} bytes after {expected} threads");
    }

    [Fact]
    public void Threads_that_log_after_dispose_allocate_nothing_and_the_logger_can_be_collected()
    {
        WeakReference logger = LogAndDispose(out AuditLogger? kept);
        kept = null;
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var threads = Enumerable.Range(0, 2000).Select(_ => new Thread(() =>
        {
            // The thread has never logged to it: no stage, no block for a logger that takes no events.
            if (logger.Target is AuditLogger target)
            {
                target.AuthSuccess("late", null, "sk-inf-abcdefghijk", "/v1");
            }
        }, 128 * 1024)).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
            thread.Join();
        }

        long growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        output.WriteLine($"heap growth for 2000 threads logging after dispose: {growth:N0} bytes");
        Assert.True(growth < 1024 * 1024, $"heap grew {growth:N0} bytes for 2000 threads logging to a disposed logger");

        for (int i = 0; i < 5 && logger.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(logger.IsAlive, "the disposed logger is still reachable");
    }

    // One fail-closed event; counts it if accepted.
    private static void LogOnce(AuditLogger logger, ref int accepted)
    {
        if (TestEvents.ApiRequest(logger, "r", "10.0.0.1", "sk-inf-abcdefghijk"))
        {
            Interlocked.Increment(ref accepted);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LogAndDispose(out AuditLogger? logger)
    {
        logger = new AuditLogger(new DiscardSink());
        logger.AuthSuccess("r", null, "sk-inf-abcdefghijk", "/v1"); // this thread's stage, in its thread-static list
        var other = new Thread(state => ((AuditLogger)state!).AuthSuccess("r", null, "k", "/v1"));
        other.Start(logger);
        other.Join();
        logger.Dispose();
        logger.AuthSuccess("after", null, "sk-inf-abcdefghijk", "/v1");
        Assert.Equal(1, logger.Counters.DroppedDisposed);
        return new WeakReference(logger);
    }

    [Fact]
    public void A_line_that_can_never_fit_the_bound_is_dropped_at_once_as_oversize()
    {
        var logger = new AuditLogger(new DiscardSink());
        logger.AuthFailure("r", "10.0.0.1", new string('x', 700_000), "/v1"); // 700,000 chars may escape to 4.2 MB > 4 MiB
        logger.AuthFailure("r", "10.0.0.1", new string('x', 100_000), "/v1"); // fits
        logger.Dispose();
        AuditCounters counters = logger.Counters;
        Assert.Equal(1, counters.DroppedOversize);
        Assert.Equal(0, counters.DroppedBlockTimeout);
        Assert.Equal(1, counters.Written);
    }
}
