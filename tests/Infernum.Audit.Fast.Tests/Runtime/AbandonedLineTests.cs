using System;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary>
/// An exception between a line's start and its end, in a body with no <c>finally</c> (the shape the generator emits
/// when only the runtime's writers run, and where a checked build's overflow comes from): the event is counted and
/// recorded, and the thread, the logger and its shutdown go on.
/// </summary>
public sealed class AbandonedLineTests
{
    // What a generated body without a finally does when a checked conversion of an undefined ulong enum value throws.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LogWithOverflow(AuditLogger logger, ulong value)
    {
        if (!logger.TryBeginLine(64, out AuditLineWriter writer))
        {
            return;
        }

        writer.WriteLiteral(",\"event_type\":\"mask_set\",\"mask\":"u8);
        writer.WriteInt64(checked((long)value));
        writer.Commit();
        logger.EndLine(ref writer);
    }

    [Fact]
    public void After_an_overflow_inside_a_line_later_events_on_the_thread_are_written_and_the_lost_one_recorded()
    {
        var sink = new MemorySink();
        var logger = new AuditLogger(sink);
        Assert.Throws<OverflowException>(() => LogWithOverflow(logger, ulong.MaxValue - 1));
        for (int i = 0; i < 10; i++)
        {
            logger.AuthSuccess("after" + i, null, "sk-inf-abcdefghijk", "/v1");
        }

        logger.Dispose();
        var entries = AuditFile.Parse(sink.Lines);
        Assert.Equal(1, AuditFile.AssertEverySeqAccounted(entries));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "after" + i), entries.Where(e => !e.IsDropRecord).Select(e => e.RequestId));
        AuditCounters counters = logger.Counters;
        Assert.Equal(11, counters.Offered);
        Assert.Equal(1, counters.DroppedFormatError);
        Assert.Equal(10, counters.Written);
        Assert.Equal(0, counters.InFlight);
    }

    [Fact]
    public void A_thread_that_abandoned_a_line_and_logs_nothing_more_does_not_hold_up_dispose()
    {
        var sink = new MemorySink();
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { DisposeTimeout = TimeSpan.FromSeconds(20) });
        using var done = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var thread = new Thread(() =>
        {
            try
            {
                LogWithOverflow(logger, ulong.MaxValue);
            }
            catch (OverflowException)
            {
            }

            done.Set();
            release.Wait(); // alive, never logging again
        });
        thread.Start();
        done.Wait();
        logger.AuthSuccess("other", null, "sk-inf-abcdefghijk", "/v1");

        var watch = Stopwatch.StartNew();
        logger.Dispose();
        watch.Stop();
        release.Set();
        thread.Join();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"Dispose waited {watch.Elapsed} for a line that was abandoned");
        AuditCounters counters = logger.Counters;
        Assert.Equal(1, counters.DroppedFormatError);
        Assert.Equal(0, counters.DroppedUnwritten);
        Assert.Equal(1, counters.Written);
        Assert.Equal(1, AuditFile.AssertEverySeqAccounted(AuditFile.Parse(sink.Lines)));
    }

    [Fact]
    public void A_thread_that_exits_after_abandoning_a_line_has_it_counted_by_the_writer()
    {
        var sink = new MemorySink();
        var logger = new AuditLogger(sink);
        var thread = new Thread(() => Assert.Throws<OverflowException>(() => LogWithOverflow(logger, ulong.MaxValue)));
        thread.Start();
        thread.Join();

        for (int i = 0; i < 100 && logger.Counters.DroppedFormatError == 0; i++)
        {
            Thread.Sleep(20); // the writer's sweep of idle stages finds the exited thread
        }

        Assert.Equal(1, logger.Counters.DroppedFormatError);
        logger.Dispose();
        Assert.Equal(1, AuditFile.AssertEverySeqAccounted(AuditFile.Parse(sink.Lines)));
    }

    [Fact]
    public void An_exception_caught_inside_a_line_s_own_code_does_not_lose_the_line()
    {
        var sink = new MemorySink();
        var logger = new AuditLogger(sink);
        Assert.True(logger.TryBeginLine(64, out AuditLineWriter writer));
        try
        {
            throw new InvalidOperationException("caught inside");
        }
        catch (InvalidOperationException)
        {
        }

        writer.WriteLiteral(",\"event_type\":\"caught\""u8);
        writer.Commit();
        logger.EndLine(ref writer);
        logger.Dispose();
        Assert.Equal(1, logger.Counters.Written);
        Assert.Contains("\"event_type\":\"caught\"", sink.Text, StringComparison.Ordinal);
    }
}
