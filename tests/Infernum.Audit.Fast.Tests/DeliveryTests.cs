using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>Every event is written or counted and recorded as dropped; sinks that fail or stall lose nothing silently.</summary>
public sealed class DeliveryTests : IDisposable
{
    private readonly TempFolder _temp = new("infernum-delivery");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Sixteen_producers_of_a_hundred_thousand_events_lose_duplicate_and_tear_nothing()
    {
        const int Threads = 16;
        const int PerThread = 100_000;
        var sink = new ValidatingSink(Threads);

        // Backpressure, not loss: the validating sink parses every line, so producers may wait on it for long.
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { BlockTimeout = TimeSpan.FromMinutes(1) });
        using var start = new Barrier(Threads);
        var producers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            string prefix = t.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + ":";
            start.SignalAndWait();
            Span<char> id = stackalloc char[16];
            for (int i = 0; i < PerThread; i++)
            {
                prefix.AsSpan().CopyTo(id);
                i.TryFormat(id[3..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
                logger.AuthSuccess(new string(id[..(3 + digits)]), "10.1.2.3", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            }
        })).ToArray();

        foreach (Thread producer in producers)
        {
            producer.Start();
        }

        foreach (Thread producer in producers)
        {
            producer.Join();
        }

        logger.Dispose();

        Assert.Null(sink.Failure);
        Assert.Equal(Threads * PerThread, sink.Lines);
        Assert.Equal(Threads * PerThread, sink.LastSeq);
        Assert.All(sink.NextIndex, next => Assert.Equal(PerThread, next));
        AuditCounters counters = logger.Counters;
        Assert.Equal(Threads * PerThread, counters.Written);
        Assert.Equal(0, counters.Dropped);
    }

    public static TheoryData<int, bool> FaultCases() => new()
    {
        { 1, false }, { 2, false }, { 3, false }, { 7, false }, { 100, false },
        { 1, true }, { 2, true }, { 3, true }, { 7, true }, { 100, true },
    };

    [Theory]
    [MemberData(nameof(FaultCases))]
    public void A_sink_that_throws_every_kth_write_loses_nothing_silently(int k, bool partially)
    {
        var stream = new FaultyStream { FailEvery = k, WritePartially = partially };
        var faults = new List<AuditSinkFault>();
        var logger = new AuditLogger(
            AuditSink.ToStream(stream, leaveOpen: true),
            null,
            new AuditDeliveryOptions { MaxBufferedBytes = 256 * 1024, FullMode = AuditFullMode.Drop, OnSinkFault = f => { lock (faults) { faults.Add(f); } } });
        int offered = 0;
        Exception? thrown = null;
        try
        {
            for (int i = 0; i < 30_000; i++)
            {
                logger.KeyCreated("req-" + i, "10.0.0.1", "sk-admin-key", "sk-inf-new");
                offered++;
                if (i == 20_000 && k == 1)
                {
                    stream.FailEvery = 0; // k = 1 fails every write for a while, then the sink recovers
                }

                if (i % 100 == 0)
                {
                    Thread.Sleep(1); // let the writer take many small batches, so every k meets its faults
                }
            }
        }
        catch (Exception e)
        {
            thrown = e;
        }

        stream.FailEvery = 0;
        logger.Dispose();

        Assert.Null(thrown);
        List<AuditFile.Entry> entries = AuditFile.Parse(stream.Lines());
        long droppedInFile = AuditFile.AssertEverySeqAccounted(entries);
        AuditCounters counters = logger.Counters;
        Assert.Equal(offered, counters.Offered);
        Assert.Equal(offered, entries.Count(e => !e.IsDropRecord) + droppedInFile);
        Assert.Equal(counters.Dropped, droppedInFile);
        Assert.Equal(counters.Written, entries.Count(e => !e.IsDropRecord));
        Assert.Equal(stream.Throws, counters.WriteErrors);
        Assert.True(stream.Throws > 0);
        Assert.Equal(stream.Throws, faults.Count(f => f.Error is not null));
        Assert.Equal(AuditSinkHealth.Closed, logger.SinkHealth);
    }

    [Fact]
    public void A_stalled_sink_under_drop_accounts_for_every_offered_event_and_records_the_range()
    {
        var memory = new MemorySink();
        var sink = new GatedSink(memory);
        const long Bound = 256 * 1024;
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = Bound, FullMode = AuditFullMode.Drop });
        int offered = 0;
        long lineBytes = 0;
        while (lineBytes < 2 * Bound)
        {
            logger.AuthSuccess("req-" + offered, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            offered++;
            lineBytes += 200;
        }

        AuditCounters stalled = logger.Counters;
        Assert.True(stalled.DroppedBufferFull > 0);
        Assert.Equal(offered, stalled.Offered);
        Assert.Equal(stalled.Offered, stalled.Written + stalled.Dropped + stalled.InFlight);

        sink.Open();
        logger.Flush(); // room again: the next event is accepted and carries the record before it
        logger.AuthSuccess("after", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
        offered++;
        logger.Dispose();

        List<AuditFile.Entry> entries = AuditFile.Parse(memory.Lines);
        long dropped = AuditFile.AssertEverySeqAccounted(entries);

        // Usually one record; two if the writer collected between drops on its way into the stalled sink.
        List<AuditFile.Entry> records = entries.Where(e => e.IsDropRecord).ToList();
        Assert.NotEmpty(records);
        Assert.Equal(stalled.DroppedBufferFull, records.Sum(r => r.DroppedCount));
        Assert.Equal(offered, entries.Count(e => !e.IsDropRecord) + dropped);
        Assert.Equal("after", entries[^1].RequestId);
        Assert.All(records, r => Assert.Equal(r.Last + 1, r.Seq)); // each record follows the range it names
    }

    [Fact]
    public void Fail_closed_emitters_return_false_when_the_buffer_is_full()
    {
        var memory = new MemorySink();
        var sink = new GatedSink(memory);
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.FailClosed });
        int accepted = 0, refused = 0;
        for (int i = 0; i < 2_000; i++)
        {
            if (TestEvents.ApiRequest(logger, "req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl"))
            {
                accepted++;
            }
            else
            {
                refused++;
            }
        }

        Assert.True(refused > 0 && accepted > 0, $"{accepted} accepted, {refused} refused");
        Assert.Equal(refused, logger.Counters.DroppedRejected);
        sink.Open();
        logger.Flush();
        Assert.True(TestEvents.ApiRequest(logger, "after", null, "k"));
        logger.Dispose();
        List<AuditFile.Entry> entries = AuditFile.Parse(memory.Lines);
        Assert.Equal(refused, AuditFile.AssertEverySeqAccounted(entries));
        Assert.Equal(accepted + 1, entries.Count(e => !e.IsDropRecord));
    }

    [Fact]
    public void Block_mode_waits_then_drops_with_a_counted_timeout()
    {
        var memory = new MemorySink();
        var sink = new GatedSink(memory);
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, BlockTimeout = TimeSpan.FromMilliseconds(20) });
        for (int i = 0; i < 1_000; i++)
        {
            logger.AuthSuccess("req-" + i, null, "k", "/e");
        }

        long timedOut = logger.Counters.DroppedBlockTimeout;
        Assert.True(timedOut > 0);
        sink.Open();
        logger.Dispose();
        Assert.Equal(timedOut, AuditFile.AssertEverySeqAccounted(AuditFile.Parse(memory.Lines)));
    }

    [Fact]
    public async Task Shutdown_with_a_million_events_queued_puts_them_all_in_the_file()
    {
        const int Events = 1_000_000;
        string path = Path.Combine(_temp.Path, "shutdown.jsonl");
        var sink = new GatedSink(AuditSink.ToFile(path));
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = 512L * 1024 * 1024 });
        for (int i = 0; i < Events; i++)
        {
            logger.AuthSuccess("req", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
        }

        Assert.Equal(Events, logger.Counters.InFlight + logger.Counters.Written);
        sink.Open();
        await logger.DisposeAsync();

        long lines = 0;
        long lastSeq = 0;
        foreach (string line in File.ReadLines(path))
        {
            lines++;
            lastSeq = ParseSeq(line);
            Assert.Equal(lines, lastSeq);
        }

        Assert.Equal(Events, lines);
        Assert.Equal(Events, logger.Counters.Written);
        Assert.Equal(0, logger.Counters.Dropped);
    }

    [Fact]
    public async Task Counters_hold_their_invariant_at_every_read_under_load()
    {
        var sink = new GatedSink(new DiscardSink());
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = 128 * 1024, FullMode = AuditFullMode.Drop });
        using var stop = new CancellationTokenSource();
        var producer = Task.Run(() =>
        {
            int i = 0;
            while (!stop.IsCancellationRequested)
            {
                logger.AuthSuccess("r", null, "k", "/e");
                if (++i == 5_000)
                {
                    sink.Open();
                }
            }
        });

        for (int read = 0; read < 2_000; read++)
        {
            AuditCounters c = logger.Counters;
            Assert.Equal(c.Offered, c.Written + c.Dropped + c.InFlight);
            Assert.True(c.BufferedBytes <= c.BufferedBytesHighWater);
            Assert.True(c.BufferedBytesHighWater <= 128 * 1024);
        }

        await stop.CancelAsync();
        await producer;
        sink.Open(); // the producer may have been stopped before it opened the gate itself
        logger.Dispose();
        AuditCounters final = logger.Counters;
        Assert.Equal(0, final.InFlight);
        Assert.Equal(final.Offered, final.Written + final.Dropped);
    }

    [Fact]
    public void Oversize_events_are_dropped_and_recorded()
    {
        var memory = new MemorySink();
        var logger = new AuditLogger(memory);
        logger.AuthSuccess(new string('x', 3_000_000), null, "k", "/e");
        logger.AuthSuccess("ok", null, "k", "/e");
        logger.Dispose();

        Assert.Equal(1, logger.Counters.DroppedOversize);
        List<AuditFile.Entry> entries = AuditFile.Parse(memory.Lines);
        Assert.Equal(1, AuditFile.AssertEverySeqAccounted(entries));
        Assert.Equal("ok", entries[^1].RequestId);
    }

    [Fact]
    public void Drops_pending_at_shutdown_still_get_their_record()
    {
        var memory = new MemorySink();
        var sink = new GatedSink(memory);
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.Drop });
        for (int i = 0; i < 1_000; i++)
        {
            logger.AuthSuccess("req-" + i, null, "k", "/e");
        }

        long dropped = logger.Counters.Dropped;
        Assert.True(dropped > 0);
        sink.Open();
        logger.Dispose();
        Assert.Equal(dropped, AuditFile.AssertEverySeqAccounted(AuditFile.Parse(memory.Lines)));
    }

    [Fact]
    public void Metrics_publish_the_counters_under_the_meter_name()
    {
        var logger = new AuditLogger(new DiscardSink());
        logger.AuthSuccess("r", null, "k", "/e");
        logger.Flush();
        var seen = new Dictionary<string, long>();
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Infernum.Audit.Fast")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                lock (seen)
                {
                    seen[instrument.Name] = seen.GetValueOrDefault(instrument.Name) + value;
                }
            });
            listener.Start();
            listener.RecordObservableInstruments();
        }

        logger.Dispose();
        Assert.True(seen["infernum.audit.events.offered"] >= 1);
        Assert.True(seen["infernum.audit.events.written"] >= 1);
        Assert.True(seen.ContainsKey("infernum.audit.events.dropped"));
        Assert.True(seen.ContainsKey("infernum.audit.buffer.bytes"));
    }

    [Fact]
    public async Task Pipe_writer_sink_delivers_lines_to_the_reader()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var logger = new AuditLogger(AuditSink.ToPipeWriter(pipe.Writer, completeWhenDisposed: true));
        logger.AuthSuccess("r1", null, "k", "/e");
        logger.AuthFailure("r2", null, "bad", "/e");
        Task reading = Task.Run(async () =>
        {
            var all = new MemoryStream();
            while (true)
            {
                System.IO.Pipelines.ReadResult result = await pipe.Reader.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    all.Write(segment.Span);
                }

                pipe.Reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return Encoding.UTF8.GetString(all.ToArray());
                }
            }
        });

        await logger.DisposeAsync();
        string text = await ((Task<string>)reading);
        List<AuditFile.Entry> entries = AuditFile.Parse(text.TrimEnd('\n').Split('\n'));
        Assert.Equal(new[] { "r1", "r2" }, entries.Select(e => e.RequestId));
    }

    private static long ParseSeq(string line)
    {
        int at = line.LastIndexOf("\"seq\":", StringComparison.Ordinal);
        return long.Parse(line.AsSpan(at + 6, line.Length - at - 7), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Checks lines as they arrive: each parses, seq is 1…N in order, and each producer's events are in its order.</summary>
    private sealed class ValidatingSink : AuditSink
    {
        public ValidatingSink(int producers) => NextIndex = new int[producers];

        public int[] NextIndex { get; }

        public long Lines { get; private set; }

        public long LastSeq { get; private set; }

        public string? Failure { get; private set; }

        public override void Write(ReadOnlySpan<byte> lines)
        {
            while (!lines.IsEmpty)
            {
                int newline = lines.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    Failure ??= "a batch ended inside a line";
                    return;
                }

                Check(lines[..newline]);
                lines = lines[(newline + 1)..];
            }
        }

        private void Check(ReadOnlySpan<byte> line)
        {
            try
            {
                var reader = new Utf8JsonReader(line);
                using JsonDocument document = JsonDocument.ParseValue(ref reader);
                long seq = document.RootElement.GetProperty("seq").GetInt64();
                string id = document.RootElement.GetProperty("request_id").GetString()!;
                int producer = Convert.ToInt32(id[..2], 16);
                int index = int.Parse(id.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture);
                Lines++;
                if (seq != LastSeq + 1)
                {
                    Failure ??= $"seq {seq} after {LastSeq}";
                }

                if (index != NextIndex[producer])
                {
                    Failure ??= $"producer {producer}: {index} after {NextIndex[producer] - 1}";
                }

                LastSeq = seq;
                NextIndex[producer] = index + 1;
            }
            catch (Exception e)
            {
                Failure ??= "malformed line: " + e.Message;
            }
        }
    }
}
