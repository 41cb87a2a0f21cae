using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>Per-thread staging: threads that come and go, events logged inside events, and the coarse clock.</summary>
public sealed class StageTests
{
    [Fact]
    public void Events_of_threads_that_have_exited_are_written_and_stay_counted_after_their_stages_retire()
    {
        var memory = new MemorySink();
        var logger = new AuditLogger(memory);
        for (int t = 0; t < 4; t++)
        {
            var thread = new Thread(() =>
            {
                for (int i = 0; i < 25; i++)
                {
                    logger.AuthSuccess("short-lived", null, "k", "/e");
                }
            });
            thread.Start();
            thread.Join();
        }

        // The writer retires exited threads' stages once a second; their counts must survive it.
        Thread.Sleep(2_500);
        logger.AuthSuccess("main", null, "k", "/e");
        logger.Flush();
        AuditCounters counters = logger.Counters;
        Assert.Equal(101, counters.Offered);
        Assert.Equal(101, counters.Written);
        Assert.Equal(0, counters.InFlight);
        logger.Dispose();

        List<AuditFile.Entry> entries = AuditFile.Parse(memory.Lines);
        Assert.Equal(0, AuditFile.AssertEverySeqAccounted(entries));
        Assert.Equal(100, entries.Count(e => e.RequestId == "short-lived"));
        Assert.Equal("main", entries[^1].RequestId);
    }

    [Fact]
    public void The_record_size_constants_match_the_segments_they_stand_for()
    {
        // Constants so that the producer's path folds them; a change to a segment must change them too.
        Assert.Equal(Pipeline.LineFormat.MaxLineEndBytes, Pipeline.LineFormat.SeqField.Length + 20 + Pipeline.LineFormat.LineEnd.Length);
        Assert.Equal(
            Pipeline.LineFormat.FixedRecordBytes,
            Pipeline.LineFormat.RecordHeaderBytes + Pipeline.LineFormat.LinePrefix.Length + Json.TimestampFormatter.Length + 1);
    }

    [Fact]
    public void An_event_logged_while_formatting_another_is_refused_and_counted_and_the_outer_one_is_written()
    {
        var memory = new MemorySink();
        var logger = new AuditLogger(memory);
        StageEvents.Formatted(logger, "outer", new LoggingValue(logger));
        logger.AuthSuccess("after", null, "k", "/e");
        logger.Dispose();

        Assert.Equal(1, logger.Counters.DroppedFormatError);
        List<AuditFile.Entry> entries = AuditFile.Parse(memory.Lines);
        Assert.Equal(1, AuditFile.AssertEverySeqAccounted(entries));
        Assert.Equal(["outer", "after"], entries.Where(e => !e.IsDropRecord).Select(e => e.RequestId));
        Assert.Contains("\"value\":\"value\"", memory.Lines.First(l => l.Contains("\"outer\"", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_formattable_value_too_long_for_its_room_drops_its_event_counted_instead_of_writing_it_empty()
    {
        var memory = new MemorySink();
        var logger = new AuditLogger(memory);
        StageEvents.Sized(logger, "fits", new SizedValue(AuditLineWriter.MaxFormattedBytes));
        StageEvents.Sized(logger, "too-long", new SizedValue(AuditLineWriter.MaxFormattedBytes + 1));
        StageEvents.Sized(logger, "after", new SizedValue(3));
        logger.Dispose();

        Assert.Equal(1, logger.Counters.DroppedFormatError);
        List<AuditFile.Entry> entries = AuditFile.Parse(memory.Lines);
        Assert.Equal(1, AuditFile.AssertEverySeqAccounted(entries));
        Assert.Equal(["fits", "after"], entries.Where(e => !e.IsDropRecord).Select(e => e.RequestId));
        Assert.Contains("\"value\":\"" + new string('a', AuditLineWriter.MaxFormattedBytes) + "\"", memory.Lines.First(l => l.Contains("\"fits\"", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain(memory.Lines, l => l.Contains("too-long", StringComparison.Ordinal));
    }

    [Fact]
    public void The_coarse_clock_stays_within_its_resolution_of_the_system_clock_and_never_goes_back_on_a_thread()
    {
        var memory = new MemorySink();
        var logger = new AuditLogger(memory, null, new AuditDeliveryOptions { Clock = AuditClock.Coarse });
        var bounds = new List<(DateTime Before, DateTime After)>();
        for (int i = 0; i < 2_000; i++)
        {
            DateTime before = DateTime.UtcNow;
            logger.AuthSuccess("req-" + i, null, "k", "/e");
            bounds.Add((before, DateTime.UtcNow));
            if (i % 500 == 0)
            {
                Thread.Sleep(600); // crosses the once-a-second calibration
            }
        }

        logger.Dispose();
        DateTime previous = DateTime.MinValue;
        int index = 0;
        foreach (string line in memory.Lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            string text = document.RootElement.GetProperty("timestamp").GetString()!;
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", text);
            DateTime stamp = DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            Assert.True(stamp >= previous, $"line {index} goes back: {stamp:O} after {previous:O}");

            // Within the tick count's resolution (1-16 ms) plus scheduling slack of the event's own window.
            (DateTime before, DateTime after) = bounds[index];
            Assert.InRange(stamp, before.AddMilliseconds(-50), after.AddMilliseconds(50));
            previous = stamp;
            index++;
        }

        Assert.Equal(2_000, index);
    }

    [Fact]
    public void An_undefined_clock_is_refused_when_the_options_are_built()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AuditDeliveryOptions { Clock = (AuditClock)7 });
        Assert.Equal("Clock", error.ParamName);
    }
}
