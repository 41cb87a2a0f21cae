using System;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
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
        int accepted = 0;
        Thread[] threads = StartParked(Threads, () => LogOnce(logger, ref accepted), release);
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
        var delivery = new AuditDeliveryOptions { FullMode = AuditFullMode.FailClosed };
        Churned run = Churn(delivery, total: 100_000, alive: 64);

        output.WriteLine($"heap growth after {run.Expected} threads: {run.Growth:N0} bytes");
        Assert.Equal(run.Expected, run.Accepted);
        Assert.Equal(run.Expected, run.Lines);
        Assert.True(run.Growth < delivery.MaxBufferedBytes + Slack, $"heap grew {run.Growth:N0} bytes after {run.Expected} threads");
    }

    [Fact]
    public void Sixty_thousand_threads_created_and_ended_under_a_64_KiB_bound_are_refused_only_when_bytes_waiting_reach_it()
    {
        var delivery = new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.FailClosed };
        Churned run = Churn(delivery, total: 60_000, alive: 4);

        output.WriteLine($"{run.Counters.DroppedRejected} refused of {run.Expected}; most bytes waiting {run.Counters.BufferedBytesHighWater:N0}");
        Assert.Equal(0, run.Counters.DroppedRejected);
        Assert.Equal(run.Expected, run.Accepted);
        Assert.Equal(run.Expected, run.Lines);
        // Bytes the writer found waiting: some lines, never above the bound (how many depends on how often the writer
        // got the CPU, so no tighter figure is asserted).
        Assert.InRange(run.Counters.BufferedBytesHighWater, 1, delivery.MaxBufferedBytes);
    }

    [Fact]
    public void Threads_created_and_ended_while_the_sink_is_stuck_keep_memory_within_the_bound_and_every_event_is_accounted()
    {
        var inner = new MemorySink();
        var sink = new GatedSink(inner);
        var delivery = new AuditDeliveryOptions { FullMode = AuditFullMode.Drop };
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var logger = new AuditLogger(sink, null, delivery);
        logger.AuthSuccess("first", null, "sk-inf-abcdefghijk", "/v1");
        Assert.True(SpinWait.SpinUntil(() => sink.Entered, 5000));
        Thread.Sleep(200); // the writer is stuck inside the sink's call: it retires nothing until the call returns
        int expected = ChurnThreads(logger, total: 20_000, alive: 4, out int accepted);
        long growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        sink.Open();
        logger.Dispose();
        AuditCounters counters = logger.Counters;

        long recorded = Regex.Matches(inner.Text, "\"event_type\":\"audit_dropped\",\"count\":(\\d+)").Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        output.WriteLine($"stuck sink, {expected} threads: heap growth {growth:N0} bytes; {accepted} accepted, {counters.DroppedBufferFull} dropped as buffer full, {recorded} in drop records");
        Assert.True(growth < delivery.MaxBufferedBytes + Slack, $"heap grew {growth:N0} bytes with the sink stuck");
        Assert.Equal(expected + 1, counters.Offered);
        Assert.Equal(accepted + 1, counters.Written);
        Assert.Equal(expected - accepted, counters.DroppedBufferFull);
        Assert.Equal(counters.DroppedBufferFull, recorded);
    }

    [Fact]
    public void Idle_live_threads_that_took_credit_chunks_leave_the_bound_to_a_burst_under_fail_closed()
    {
        const int Threads = 200;
        const int Burst = 150;
        var sink = new DiscardSink();
        var delivery = new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.FailClosed };
        var logger = new AuditLogger(sink, null, delivery);
        using var release = new ManualResetEventSlim(false);
        int accepted = 0;
        Thread[] threads = StartParked(Threads, () =>
        {
            // The second grant is a whole chunk: each thread goes idle holding most of it unused.
            LogOnce(logger, ref accepted);
            LogOnce(logger, ref accepted);
        }, release);
        logger.Flush();
        int burst = 0;
        for (int i = 0; i < Burst; i++)
        {
            LogOnce(logger, ref burst); // 150 lines of ~300 bytes: well under the bound once nothing waits
        }

        logger.Flush();
        AuditCounters counters = logger.Counters;
        release.Set();
        Array.ForEach(threads, t => t.Join());
        logger.Dispose();

        output.WriteLine($"{counters.DroppedRejected} refused; most bytes waiting {counters.BufferedBytesHighWater:N0}");
        Assert.Equal(2 * Threads, accepted);
        Assert.Equal(Burst, burst);
        Assert.Equal(0, counters.DroppedRejected);
        Assert.Equal(2 * Threads + Burst, sink.Lines);
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

    [Fact]
    public void A_parked_live_thread_that_logged_once_does_not_keep_the_disposed_logger_reachable()
    {
        using var logged = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var handOff = new AuditLogger?[1];
        var thread = new Thread(() =>
        {
            LogFromHandOff(handOff);
            logged.Set();
            release.Wait(); // alive and parked while the logger is disposed and collected
        }, 128 * 1024);

        // The sink too: only the logger's pipeline refers to it, so it is collected only if the pipeline (its pools,
        // its writer's state) is.
        (WeakReference logger, WeakReference sink) = StartLoggerFor(thread, handOff, logged);
        for (int i = 0; i < 5 && (logger.IsAlive || sink.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        (bool loggerAlive, bool sinkAlive) = (logger.IsAlive, sink.IsAlive);
        release.Set();
        thread.Join();
        Assert.False(loggerAlive, "a live thread that logged once keeps the disposed logger reachable");
        Assert.False(sinkAlive, "a live thread that logged once keeps the disposed logger's pipeline reachable");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Logger, WeakReference Sink) StartLoggerFor(Thread thread, AuditLogger?[] handOff, ManualResetEventSlim logged)
    {
        var sink = new DiscardSink();
        var logger = new AuditLogger(sink);
        handOff[0] = logger;
        thread.Start();
        logged.Wait();
        logger.Flush();
        Assert.Equal(1, logger.Counters.Written);
        logger.Dispose();
        return (new WeakReference(logger), new WeakReference(sink));
    }

    // Logs once to the logger handed over and lets go of it: nothing on the thread's stack refers to it afterwards.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LogFromHandOff(AuditLogger?[] handOff)
    {
        int accepted = 0;
        LogOnce(handOff[0]!, ref accepted);
        handOff[0] = null;
    }

    // Starts `count` threads that each run `log` and then wait for `release`; returns them once all have logged.
    private static Thread[] StartParked(int count, Action log, ManualResetEventSlim release)
    {
        using var allLogged = new CountdownEvent(count);
        var threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            threads[i] = new Thread(() =>
            {
                log();
                allLogged.Signal();
                release.Wait();
            }, 128 * 1024);
            threads[i].Start();
        }

        allLogged.Wait();
        return threads;
    }

    private readonly record struct Churned(int Expected, int Accepted, long Lines, AuditCounters Counters, long Growth);

    // A logger with a discarding sink; `total` threads (rounded down to a multiple of `alive`) created `alive` at a
    // time, each logging one event and ending; then a flush, and the heap growth after a full collection.
    private static Churned Churn(AuditDeliveryOptions delivery, int total, int alive)
    {
        var sink = new DiscardSink();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var logger = new AuditLogger(sink, null, delivery);
        int expected = ChurnThreads(logger, total, alive, out int accepted);
        logger.Flush();
        long growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        AuditCounters counters = logger.Counters;
        logger.Dispose();
        return new Churned(expected, accepted, sink.Lines, counters, growth);
    }

    // `total` threads (rounded down to a multiple of `alive`) created `alive` at a time, each logging one event and
    // ending; returns how many ran.
    private static int ChurnThreads(AuditLogger logger, int total, int alive, out int accepted)
    {
        int expected = total / alive * alive;
        int count = 0;
        int started = 0;
        var workers = Enumerable.Range(0, alive).Select(_ => new Thread(() =>
        {
            while (Interlocked.Increment(ref started) <= expected)
            {
                var thread = new Thread(() => LogOnce(logger, ref count), 128 * 1024);
                thread.Start();
                thread.Join();
            }
        })).ToArray();
        Array.ForEach(workers, w => w.Start());
        Array.ForEach(workers, w => w.Join());
        accepted = count;
        return expected;
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
