using System;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>Tests that measure this thread's allocations run alone, so no other test's load skews the writer.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation";
}

/// <summary>After warm-up, every event allocates nothing on the caller's thread — also when its arguments need escaping.</summary>
[Collection(AllocationCollection.Name)]
public sealed class AllocationTests
{
    private const int Calls = 100_000;

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in SeedEvents.All.Keys)
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Event_allocates_nothing_after_warm_up(string eventName, bool needsEscaping)
    {
        SeedEvents.Call call = SeedEvents.All[eventName];
        string requestId = needsEscaping ? "req-\"7\"\n\t\u0001\u2028\u202e\ud800x" : "req-0123456789abcdef";
        string clientIp = needsEscaping ? "10.0.0.1\\\u0085" : "10.0.0.1";
        string key = needsEscaping ? "sk-\u00e9\U0001F511abcdefgh" : "sk-inf-abcdefghijklmnop";
        string text = needsEscaping ? "/v1/\u4e2d\u6587/\"chat\"\r\n\u061c" : "/v1/chat/completions";
        var sink = new DiscardSink();
        using var logger = new AuditLogger(sink);

        long allocated = Allocations.Measure(() => call(logger, requestId, clientIp, key, text), 20_000, Calls, logger.Flush);
        logger.Flush();

        Assert.Equal(0, allocated);
        Assert.Equal(logger.Counters.Offered, sink.Lines); // every call, warm-up and measured, reached the sink
        Assert.True(sink.Lines >= 20_000 + Calls);
    }

    [Fact]
    public void Dropping_allocates_nothing()
    {
        var sink = new GatedSink(new DiscardSink());
        using var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.Drop });
        AuditCounters before = default;
        void Call() => logger.AuthSuccess("req-0123456789", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");

        // Measured once the writer is stalled in the sink and the warm-up has used up the credit it gave back on its
        // way there (each moved line returns what its line end did not use), so that every measured call is dropped.
        long allocated = Allocations.Measure(
            Call,
            2_000,
            Calls,
            () =>
            {
                Assert.True(System.Threading.SpinWait.SpinUntil(() => sink.Entered, TimeSpan.FromSeconds(30)));
                for (int i = 0; i < 2_000; i++)
                {
                    Call();
                }

                before = logger.Counters;
            });
        AuditCounters after = logger.Counters;
        Assert.Equal(after.Offered - before.Offered, after.Dropped - before.Dropped); // every measured call was dropped
        Assert.True(after.Dropped - before.Dropped >= Calls);
        sink.Open();
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_failing_sink_costs_producers_nothing()
    {
        var stream = new FaultyStream { FailEvery = 1 };
        using var logger = new AuditLogger(
            AuditSink.ToStream(stream), null, new AuditDeliveryOptions { MaxBufferedBytes = 256 * 1024, FullMode = AuditFullMode.Drop });
        // Measure only once the writer is meeting the failures (it may be slow to get a core under parallel tests).
        long allocated = Allocations.Measure(
            () => logger.AuthSuccess("req-0123456789", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions"),
            5_000,
            Calls,
            () => Assert.True(System.Threading.SpinWait.SpinUntil(() => stream.Throws > 0 && logger.SinkHealth == AuditSinkHealth.Retrying, TimeSpan.FromSeconds(10))));
        Assert.True(stream.Throws > 0);
        Assert.Equal(AuditSinkHealth.Retrying, logger.SinkHealth);
        stream.FailEvery = 0;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Backpressure_from_a_slow_sink_costs_producers_nothing()
    {
        // A slow sink makes the writer take large batches while producers wait for room: blocks must come back to
        // the pool before producers see the room, or they would allocate new ones.
        using var logger = new AuditLogger(new SlowSink(), null, new AuditDeliveryOptions { MaxBufferedBytes = 1024 * 1024, BlockTimeout = TimeSpan.FromSeconds(30) });
        long allocated = Allocations.Measure(
            () => logger.AuthSuccess("req-0123456789", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions"), 20_000, 40_000);
        Assert.True(logger.Counters.BufferedBytesHighWater > 512 * 1024, "the sink never fell behind");
        Assert.Equal(0, logger.Counters.Dropped);
        Assert.Equal(0, allocated);
    }

    private sealed class SlowSink : AuditSink
    {
        public override void Write(ReadOnlySpan<byte> lines) => System.Threading.Thread.Sleep(1);
    }

    [Fact]
    public void Disabled_logger_allocates_nothing()
    {
        using var logger = new AuditLogger(new DiscardSink(), new AuditOptions { Enabled = false });
        Assert.Equal(0, Allocations.Measure(() => logger.AuthSuccess("r", "ip", "key", "/e"), 1, Calls));
    }
}
