using System;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Pipeline;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary><c>seq</c> is never wrapped or repeated: at the 64-bit limit events are refused, explicitly.</summary>
public sealed class SequenceLimitTests : IDisposable
{
    private readonly TempFolder _temp = new("infernum-seq-limit");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_file_ending_three_below_the_limit_takes_two_more_events_and_refuses_the_rest()
    {
        string path = _temp.File("audit.jsonl");
        Directory.CreateDirectory(_temp.Path);
        File.WriteAllText(path, "{\"timestamp\":\"2026-11-30T00:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"old\",\"endpoint\":\"/v1\",\"success\":true,\"seq\":9223372036854775805}\n");
        AuditSinkFault? reported = null;
        var logger = new AuditLogger(AuditSink.ToFile(path), null, new AuditDeliveryOptions { OnSinkFault = f => reported ??= f });
        for (int i = 0; i < 5; i++)
        {
            logger.AuthSuccess("r" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1");
            logger.Flush(); // each event reaches the writer before the next: the first two take the last numbers
        }

        logger.Dispose();
        var entries = AuditFile.Parse(File.ReadAllLines(path));
        Assert.Equal([9223372036854775805L, 9223372036854775806L, long.MaxValue], entries.Select(e => e.Seq));
        Assert.Equal(["old", "r0", "r1"], entries.Select(e => e.RequestId));
        AuditCounters counters = logger.Counters;
        Assert.Equal(5, counters.Offered);
        Assert.Equal(2, counters.Written);
        Assert.Equal(3, counters.DroppedSequenceExhausted);
        Assert.Equal(counters.Offered, counters.Written + counters.Dropped + counters.InFlight);
        Assert.IsType<InvalidOperationException>(reported?.Error);
    }

    [Fact]
    public void Events_accepted_before_the_writer_ran_out_are_counted_not_numbered_again()
    {
        var sink = new NumberedSink(long.MaxValue - 10);
        var logger = new AuditLogger(sink);
        for (int i = 0; i < 100; i++)
        {
            logger.AuthSuccess("r" + i, null, "sk-inf-abcdefghijk", "/v1");
        }

        logger.Dispose();
        long[] seqs = AuditFile.Parse(sink.Lines).Select(e => e.Seq).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => long.MaxValue - 9 + i), seqs);
        AuditCounters counters = logger.Counters;
        Assert.Equal(10, counters.Written);
        Assert.Equal(90, counters.DroppedSequenceExhausted);
        Assert.Equal(0, counters.InFlight);
        Assert.Equal(counters.Offered, counters.Written + counters.Dropped);
    }

    [Fact]
    public void A_sink_already_at_the_limit_refuses_every_event_and_writes_nothing()
    {
        var sink = new NumberedSink(long.MaxValue);
        var faults = new System.Collections.Concurrent.ConcurrentQueue<AuditSinkFault>();
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { FullMode = AuditFullMode.FailClosed, OnSinkFault = faults.Enqueue });
        Assert.False(TestEvents.ApiRequest(logger, "r", null, "sk-inf-abcdefghijk"));
        Assert.False(TestEvents.ApiRequest(logger, "r2", null, "sk-inf-abcdefghijk"));
        logger.Dispose();
        Assert.Empty(sink.Lines);
        Assert.Equal(2, logger.Counters.DroppedSequenceExhausted);
        AuditSinkFault fault = Assert.Single(faults); // the owner hears of it once, as when the last seq is taken here
        Assert.IsType<InvalidOperationException>(fault.Error);
    }

    [Fact]
    public void Drops_whose_range_would_pass_the_limit_are_counted_and_no_record_wraps()
    {
        // Block timeout 0 and a stalled sink: most of a burst is dropped, and the drop record's range would pass the limit.
        var numbered = new NumberedSink(long.MaxValue - 5);
        var gated = new GatedSink(numbered);
        var logger = new AuditLogger(gated, null, new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.Drop });
        for (int i = 0; i < 2000; i++)
        {
            logger.AuthSuccess("r" + i, null, "sk-inf-abcdefghijk", "/v1");
        }

        gated.Open();
        logger.Dispose();
        AuditCounters counters = logger.Counters;
        Assert.Equal(2000, counters.Offered);
        Assert.Equal(counters.Offered, counters.Written + counters.Dropped);
        Assert.True(counters.Written <= 5);
        var entries = AuditFile.Parse(numbered.Lines);
        Assert.All(entries, e => Assert.True(e.Seq > long.MaxValue - 5 && (!e.IsDropRecord || (e.First > long.MaxValue - 5 && e.Last >= e.First))));
        Assert.Equal(entries.Count, entries.Select(e => e.Seq).Distinct().Count());
    }

    [Fact]
    public void The_counter_hands_out_the_last_number_once_then_reports_exhausted()
    {
        SequenceCounter counter = SequenceCounter.After(long.MaxValue - 2);
        byte[] digits = new byte[20];
        Assert.Equal(2, counter.Remaining);
        int length = counter.WriteAndAdvance(digits);
        Assert.Equal("9223372036854775806", System.Text.Encoding.ASCII.GetString(digits, 0, length));
        Assert.Equal(long.MaxValue, counter.Take());
        Assert.True(counter.Exhausted);
        Assert.Equal(0, counter.Remaining);
        Assert.True(SequenceCounter.After(long.MaxValue).Exhausted);

        SequenceCounter skipping = SequenceCounter.After(long.MaxValue - 5);
        Assert.Equal(long.MaxValue - 4, skipping.Skip(5));
        Assert.True(skipping.Exhausted);
    }

    /// <summary>A memory sink that says its destination already ends at a given seq.</summary>
    private sealed class NumberedSink(long last) : AuditSink
    {
        private readonly MemorySink _memory = new();

        public override long LastSequenceNumber => last;

        public string[] Lines => _memory.Lines;

        public override void Write(ReadOnlySpan<byte> lines) => _memory.Write(lines);
    }
}
