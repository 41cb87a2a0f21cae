using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary>
/// The memory bound tried with thread patterns the other budget tests do not show: live threads bursting in turns
/// against a stuck sink, pool threads and async continuations, two loggers on the same threads, lines at the bound.
/// Every event is accounted and every line checked.
/// </summary>
[Collection(nameof(MemoryBudgetTests))]
public sealed class MemoryBudgetAttackTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Key = "sk-inf-abcdefghijk";

    public static TheoryData<AuditFullMode> FullModes => new(AuditFullMode.FailClosed, AuditFullMode.Drop, AuditFullMode.Block);

    [Theory]
    [MemberData(nameof(FullModes))]
    public void Live_threads_bursting_in_turns_against_a_stuck_sink_are_refused_only_when_the_bytes_counted_for_waiting_lines_reach_the_bound(AuditFullMode mode)
    {
        const int Threads = 600;
        const long Bound = 64 * 1024;
        var inner = new MemorySink();
        var sink = new GatedSink(inner);
        var delivery = new AuditDeliveryOptions { MaxBufferedBytes = Bound, FullMode = mode, BlockTimeout = TimeSpan.FromMilliseconds(1) };
        var logger = new AuditLogger(sink, null, delivery);
        Assert.True(TestEvents.ApiRequest(logger, "first", "10.0.0.1", Key));
        Assert.True(SpinWait.SpinUntil(() => sink.Entered, 5000));

        // Every thread logs a small burst, then idles while the next bursts; a second round after all have idled.
        int accepted = 0;
        int refused = 0;
        var turn = new SemaphoreSlim(1, 1);
        using var release = new ManualResetEventSlim(false);
        using var firstRound = new CountdownEvent(Threads);
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            turn.Wait();
            Burst(logger, i, 3, ref accepted, ref refused);
            turn.Release();
            firstRound.Signal();
            release.Wait();
        }, 128 * 1024)).ToArray();
        Array.ForEach(threads, t => t.Start());
        firstRound.Wait();
        AuditCounters atRefusal = logger.Counters;
        release.Set();
        Array.ForEach(threads, t => t.Join());
        sink.Open();
        logger.Dispose();
        AuditCounters counters = logger.Counters;

        List<JsonElement> lines = ParseLines(inner);
        string[] events = inner.Lines.Where(l => !l.Contains("audit_dropped", StringComparison.Ordinal)).ToArray();

        // Until the writer moves a line (it cannot while inside the sink's call), the line is counted with room for
        // the longest seq ending (LineFormat.MaxLineEndBytes: ",\"seq\":", 20 digits, "}\n"), 29 bytes; its real
        // ending here is 10 to 12. The bound is reached when these counted bytes leave no room for one more line.
        const int LongestEnd = 7 + 20 + 2;
        long counted = events.Sum(l => Encoding.UTF8.GetByteCount(l) + 1 - (l.Length - l.LastIndexOf(",\"seq\":", StringComparison.Ordinal) + 1) + LongestEnd);
        long waitingBytes = events.Sum(l => Encoding.UTF8.GetByteCount(l) + 1L);
        output.WriteLine($"{mode}: {accepted} accepted, {refused} refused; {waitingBytes:N0} bytes waiting while the sink was stuck, {counted:N0} counted (bound {Bound:N0}); gauge {atRefusal.BufferedBytes:N0}");

        Assert.True(refused > 0, "the bound was never reached");

        // The charge of one more of these events: its longest possible body (6 bytes per char of its strings, the
        // generator's worst case) with the fixed text around it and the longest ending.
        long worstCharge = 6 * (20 + 8 + Key.Length) + 512;
        Assert.InRange(counted, Bound - worstCharge, Bound);
        Assert.InRange(atRefusal.BufferedBytes, Bound - worstCharge, Bound);
        AssertAccounted(counters, lines, accepted + 1);
    }

    [Theory]
    [MemberData(nameof(FullModes))]
    public void Two_thousand_live_threads_bursting_in_waves_to_a_fast_sink_are_refused_only_when_bytes_waiting_reach_the_minimum_bound(AuditFullMode mode)
    {
        const int Threads = 2_000;
        var inner = new MemorySink();
        var delivery = new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = mode };
        var logger = new AuditLogger(inner, null, delivery);
        int accepted = 0;
        int refused = 0;
        using var second = new ManualResetEventSlim(false);
        using var firstDone = new CountdownEvent(Threads);
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            string id = "r" + i.ToString(CultureInfo.InvariantCulture);
            Burst(logger, id, 5, ref accepted, ref refused); // then idle, holding whatever credit it took
            firstDone.Signal();
            second.Wait();
            if (i % 2 == 0)
            {
                Burst(logger, id, 5, ref accepted, ref refused); // half burst again while the other half idles
            }
        }, 128 * 1024)).ToArray();
        Array.ForEach(threads, t => t.Start());
        firstDone.Wait();
        logger.Flush();
        for (int k = 0; k < 100; k++)
        {
            Burst(logger, "main", 1, ref accepted, ref refused); // a burst from a thread new to the logger
        }

        second.Set();
        Array.ForEach(threads, t => t.Join());
        logger.Dispose();
        AuditCounters counters = logger.Counters;

        output.WriteLine($"{mode}: {accepted} accepted, {refused} refused; most bytes waiting {counters.BufferedBytesHighWater:N0}");
        // 15,100 lines of about 200 bytes against a 64 KiB bound, 2,000 threads at once on two cores: the writer may
        // fall behind, but an event is refused only once the bytes waiting reached the bound.
        AssertRefusedOnlyAtTheBound(counters, 64 * 1024);
        Assert.Equal((Threads * 5) + (Threads / 2 * 5) + 100, accepted + refused);
        Assert.Equal(mode == AuditFullMode.Block ? 0 : refused, counters.DroppedBufferFull + counters.DroppedRejected);
        AssertAccounted(counters, ParseLines(inner), accepted);
    }

    [Theory]
    [MemberData(nameof(FullModes))]
    public async Task Dispose_racing_with_a_pool_storm_and_async_continuations_accounts_every_event(AuditFullMode mode)
    {
        var inner = new MemorySink();
        var logger = new AuditLogger(inner, null, new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = mode, BlockTimeout = TimeSpan.FromMilliseconds(5) });
        int accepted = 0;
        int refused = 0;
        // The tasks hold their last 30 rounds until a disposer starts (on a loaded machine the disposer threads could
        // otherwise be held off the CPU until the storm was over, and nothing would race).
        TaskCompletionSource disposing = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Task[] storm = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            string id = "r" + i.ToString(CultureInfo.InvariantCulture);
            for (int k = 0; k < 50; k++)
            {
                if (k == 20)
                {
                    await disposing.Task;
                }

                Burst(logger, id, 4, ref accepted, ref refused);
                await Task.Yield();
            }
        })).ToArray();
        var disposers = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            SpinWait.SpinUntil(() => Volatile.Read(ref accepted) + Volatile.Read(ref refused) >= 400 * 20 * 4, 10_000);
            disposing.TrySetResult();
            logger.Dispose(); // three at once, mid-storm
        })).ToArray();
        Array.ForEach(disposers, t => t.Start());
        await Task.WhenAll(storm);
        Array.ForEach(disposers, t => t.Join());
        AuditCounters counters = logger.Counters;

        output.WriteLine($"{mode}: {accepted} accepted, {refused} refused ({counters.DroppedDisposed} after dispose, {counters.DroppedRejected + counters.DroppedBufferFull + counters.DroppedBlockTimeout} full); most bytes waiting {counters.BufferedBytesHighWater:N0}");
        Assert.True(counters.DroppedDisposed > 0, "dispose did not race with the storm");
        AssertRefusedOnlyAtTheBound(counters, 64 * 1024); // 400 tasks on two cores outrun the writer: 60 KB waiting
        Assert.Equal(400 * 50 * 4, counters.Offered);
        Assert.Equal(accepted, counters.Written);
        AssertAccounted(counters, ParseLines(inner), accepted);
    }

    [Fact]
    public void Live_threads_that_keep_being_refused_while_the_sink_is_stuck_keep_the_heap_within_the_bound()
    {
        const int Threads = 256;
        var inner = new MemorySink();
        var sink = new GatedSink(inner);
        var delivery = new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.Drop };
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var logger = new AuditLogger(sink, null, delivery);
        Assert.True(TestEvents.ApiRequest(logger, "first", "10.0.0.1", Key));
        Assert.True(SpinWait.SpinUntil(() => sink.Entered, 5000));
        int accepted = 0;
        int refused = 0;
        using var stop = new ManualResetEventSlim(false);
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            string id = "r" + i.ToString(CultureInfo.InvariantCulture);
            while (!stop.IsSet)
            {
                Burst(logger, id, 1, ref accepted, ref refused);
                Thread.Sleep(1); // each thread drops a few events between two passes of the writer
            }
        }, 128 * 1024)).ToArray();
        Array.ForEach(threads, t => t.Start());
        Thread.Sleep(4000);
        stop.Set();
        Array.ForEach(threads, t => t.Join());
        long growth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        sink.Open();
        logger.Dispose();
        AuditCounters counters = logger.Counters;

        List<JsonElement> lines = ParseLines(inner);
        int records = lines.Count(l => l.GetProperty("event_type").GetString() == "audit_dropped");
        output.WriteLine($"stuck sink, {Threads} live threads: {accepted} accepted, {refused} dropped in {records} drop records; heap growth {growth:N0} bytes");
        Assert.True(growth < delivery.MaxBufferedBytes + 4L * 1024 * 1024, $"heap grew {growth:N0} bytes with a 64 KiB bound and the sink stuck");
        AssertAccounted(counters, lines, accepted + 1);
    }

    [Fact]
    public async Task Pool_threads_and_async_continuations_logging_at_high_rate_write_every_event_or_record_its_gap()
    {
        var inner = new MemorySink();
        var delivery = new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.Drop };
        var logger = new AuditLogger(inner, null, delivery);
        int accepted = 0;
        int refused = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 32 }, i => Burst(logger, i, 1, ref accepted, ref refused));
        Task[] storm = Enumerable.Range(0, 2_000).Select(i => Task.Run(async () =>
        {
            for (int k = 0; k < 5; k++)
            {
                Burst(logger, i, 2, ref accepted, ref refused);
                await Task.Yield(); // the continuation may run on another pool thread
            }
        })).ToArray();
        await Task.WhenAll(storm);
        logger.Dispose();
        AuditCounters counters = logger.Counters;

        List<JsonElement> lines = ParseLines(inner);
        output.WriteLine($"pool: {accepted} accepted, {refused} dropped, {lines.Count} lines");
        Assert.Equal(20_000 + 2_000 * 5 * 2, accepted + refused);
        AssertAccounted(counters, lines, accepted);
    }

    [Fact]
    public void Two_loggers_on_the_same_threads_one_disposed_mid_way_the_disposed_one_is_collectable_and_costs_nothing()
    {
        var keptSink = new MemorySink();
        var kept = new AuditLogger(keptSink, null, new AuditDeliveryOptions { FullMode = AuditFullMode.FailClosed });
        using var disposed = new ManualResetEventSlim(false);
        using var halfway = new CountdownEvent(64);
        var gone = StartSecondLogger(out AuditLogger?[] handOff);
        long[] allocatedAfter = new long[64];
        int acceptedKept = 0;
        int refusedKept = 0;
        var threads = Enumerable.Range(0, 64).Select(i => new Thread(() =>
        {
            int a = 0, r = 0;
            for (int k = 0; k < 50; k++)
            {
                Burst(kept, i, 1, ref acceptedKept, ref refusedKept);
                Burst(handOff[0]!, i, 1, ref a, ref r);
            }

            AuditLogger second = handOff[0]!;
            halfway.Signal();
            disposed.Wait();
            string id = "r" + i.ToString(CultureInfo.InvariantCulture);
            Burst(second, id, 1, ref a, ref r); // warm: the refusal path once
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 100; k++)
            {
                Burst(second, id, 1, ref a, ref r);
            }

            allocatedAfter[i] = GC.GetAllocatedBytesForCurrentThread() - before;
            second = null!;
            Burst(kept, i, 1, ref acceptedKept, ref refusedKept);
        }, 256 * 1024)).ToArray();
        Array.ForEach(threads, t => t.Start());
        halfway.Wait();
        handOff[0]!.Dispose();
        disposed.Set();
        Array.ForEach(threads, t => t.Join());
        handOff[0] = null;
        for (int i = 0; i < 5 && gone.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        kept.Dispose();
        Assert.False(gone.IsAlive, "the disposed logger is still reachable");
        Assert.All(allocatedAfter, a => Assert.Equal(0, a));
        Assert.Equal(0, refusedKept);
        AssertAccounted(kept.Counters, ParseLines(keptSink), acceptedKept);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference StartSecondLogger(out AuditLogger?[] handOff)
    {
        var logger = new AuditLogger(new DiscardSink(), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Drop });
        handOff = [logger];
        return new WeakReference(logger);
    }

    [Theory]
    [InlineData(AuditFullMode.Block)]
    [InlineData(AuditFullMode.FailClosed)]
    public void Lines_about_the_size_of_the_minimum_bound_are_written_when_they_fit_and_refused_at_once_as_oversize_when_they_never_can(AuditFullMode mode)
    {
        const long Bound = 64 * 1024;
        var sink = new DiscardSink();
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = Bound, FullMode = mode, BlockTimeout = TimeSpan.FromSeconds(30) });
        int written = 0;
        int oversize = 0;
        for (int chars = 10_600; chars <= 11_000; chars += 8)
        {
            AuditCounters before = logger.Counters;
            bool ok = TestEvents.ApiRequest(logger, new string('x', chars), "10.0.0.1", Key);
            logger.Flush();
            AuditCounters after = logger.Counters;
            if (ok)
            {
                written++;
            }
            else
            {
                // Nothing else waits: a line the empty buffer cannot take is oversize, never a timeout or a refusal.
                Assert.Equal(before.DroppedOversize + 1, after.DroppedOversize);
                oversize++;
            }
        }

        logger.Dispose();
        AuditCounters counters = logger.Counters;
        output.WriteLine($"{mode}: {written} written, {oversize} oversize");
        Assert.True(written > 0 && oversize > 0, "the range does not cross the bound");
        Assert.Equal(0, counters.DroppedBlockTimeout + counters.DroppedRejected);
        Assert.Equal(written, counters.Written);
    }

    [Fact]
    public void Dispose_racing_with_thread_churn_and_a_stuck_sink_accounts_every_event_and_keeps_the_heap_bounded()
    {
        var inner = new MemorySink();
        var sink = new GatedSink(inner);
        var delivery = new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromMilliseconds(20), DisposeTimeout = TimeSpan.FromSeconds(2) };
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var logger = new AuditLogger(sink, null, delivery);
        Assert.True(TestEvents.ApiRequest(logger, "first", "10.0.0.1", Key));
        Assert.True(SpinWait.SpinUntil(() => sink.Entered, 5000));
        int accepted = 0;
        int refused = 0;
        int started = 0;
        var stop = new CancellationTokenSource();
        var churners = Enumerable.Range(0, 4).Select(w => new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                int n = Interlocked.Increment(ref started);
                var t = new Thread(() => Burst(logger, n, 2, ref accepted, ref refused), 128 * 1024);
                t.Start();
                t.Join();
            }
        })).ToArray();
        Array.ForEach(churners, t => t.Start());
        SpinWait.SpinUntil(() => Volatile.Read(ref started) > 1_000, 60_000);
        long heapStuck = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        var opener = new Thread(() =>
        {
            Thread.Sleep(300);
            sink.Open();
        });
        opener.Start();
        logger.Dispose(); // races with the churn; the sink opens while it waits
        stop.Cancel();
        Array.ForEach(churners, t => t.Join());
        opener.Join();
        AuditCounters counters = logger.Counters;

        List<JsonElement> lines = ParseLines(inner);
        output.WriteLine($"dispose race: {started} threads, {accepted} accepted, {refused} refused, heap growth while stuck {heapStuck:N0}; {counters.Written} written, {counters.Dropped} dropped");
        Assert.True(heapStuck < delivery.MaxBufferedBytes + 16L * 1024 * 1024, $"heap grew {heapStuck:N0} with the sink stuck");
        Assert.Equal(accepted + refused + 1, counters.Offered);
        AssertAccounted(counters, lines, null);
    }

    // `count` events from the calling thread; counts each as accepted or refused.
    private static void Burst(AuditLogger logger, int id, int count, ref int accepted, ref int refused)
        => Burst(logger, "r" + id.ToString(CultureInfo.InvariantCulture), count, ref accepted, ref refused);

    private static void Burst(AuditLogger logger, string requestId, int count, ref int accepted, ref int refused)
    {
        for (int k = 0; k < count; k++)
        {
            if (TestEvents.ApiRequest(logger, requestId, "10.0.0.1", Key))
            {
                Interlocked.Increment(ref accepted);
            }
            else
            {
                Interlocked.Increment(ref refused);
            }
        }
    }

    // Events refused for a full buffer only after the writer measured the bytes waiting at the bound. Allowed short of
    // it: one more event's worst-case charge (6 bytes per char of its strings, the generator's worst case, with the
    // fixed text around it), and the longest seq ending (29 bytes) that each waiting line is counted with until the
    // writer moves it, against its real one (10 to 14 here), for lines of 180 bytes or more.
    private static void AssertRefusedOnlyAtTheBound(AuditCounters counters, long bound)
    {
        long worstCharge = 6 * (20 + 8 + Key.Length) + 512;
        if (counters.DroppedRejected + counters.DroppedBufferFull + counters.DroppedBlockTimeout > 0)
        {
            Assert.InRange(counters.BufferedBytesHighWater, bound - worstCharge - (bound / 180 * 19), bound);
        }
    }

    // Every line valid JSON ending in a newline, each with a seq; returns them parsed.
    private static List<JsonElement> ParseLines(MemorySink sink)
    {
        var parsed = new List<JsonElement>();
        foreach (string line in sink.Lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            Assert.True(doc.RootElement.TryGetProperty("seq", out _), "a line without seq: " + line);
            parsed.Add(doc.RootElement.Clone());
        }

        return parsed;
    }

    // Offered == Written + Dropped + InFlight; the events in the file are those accepted (when known); every seq from 1
    // to the last is either a line's, in increasing file order, or in exactly one drop record's first_seq..last_seq,
    // and the drop records' counts add up to the drops of the kinds the pipeline records.
    private static void AssertAccounted(AuditCounters counters, List<JsonElement> lines, int? accepted)
    {
        Assert.Equal(counters.Offered, counters.Written + counters.Dropped + counters.InFlight);
        Assert.Equal(0, counters.InFlight);
        var covered = new List<(long First, long Last)>();
        long previous = 0;
        foreach (JsonElement line in lines)
        {
            long seq = line.GetProperty("seq").GetInt64();
            Assert.True(seq > previous, $"seq {seq} after {previous}");
            previous = seq;
            covered.Add((seq, seq));
            if (line.GetProperty("event_type").GetString() == "audit_dropped")
            {
                long first = line.GetProperty("first_seq").GetInt64();
                long last = line.GetProperty("last_seq").GetInt64();
                Assert.Equal(line.GetProperty("count").GetInt64(), last - first + 1);
                covered.Add((first, last));
            }
        }

        long next = 1;
        foreach ((long first, long last) in covered.OrderBy(c => c.First))
        {
            Assert.True(first == next, $"seq {next} is neither a line nor in a drop record (next covered: {first})");
            next = last + 1;
        }

        long events = lines.Count(l => l.GetProperty("event_type").GetString() != "audit_dropped");
        long recorded = lines.Where(l => l.GetProperty("event_type").GetString() == "audit_dropped").Sum(l => l.GetProperty("count").GetInt64());
        Assert.Equal(counters.Written, events);
        if (accepted is int a)
        {
            Assert.Equal(a, events);
        }

        Assert.Equal(counters.Dropped - counters.DroppedUnwritten - counters.DroppedDisposed, recorded);
    }
}
