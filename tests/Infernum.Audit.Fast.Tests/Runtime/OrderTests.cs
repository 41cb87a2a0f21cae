using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary>
/// The order the file promises (see <see cref="AuditLogger"/>'s remarks): each thread's events in call order; an event
/// whose call returned before a <c>Flush</c> began before every event logged after that <c>Flush</c> returned; seq
/// strictly increasing in file order. Across threads without such a flush, no order is promised.
/// </summary>
public sealed class OrderTests
{
    [Fact]
    public void Each_thread_s_events_are_in_call_order_and_seq_increases_down_the_file()
    {
        const int Threads = 8;
        const int PerThread = 20_000;
        var sink = new MemorySink();
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { BlockTimeout = TimeSpan.FromMinutes(1) });
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                logger.AuthSuccess(t + ":" + i, null, "sk-inf-abcdefghijk", "/v1");
            }
        })).ToArray();
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        logger.Dispose();

        var entries = AuditFile.Parse(sink.Lines);
        Assert.Equal(Threads * PerThread, entries.Count);
        AuditFile.AssertEverySeqAccounted(entries);
        var next = new int[Threads];
        foreach (var entry in entries)
        {
            string[] parts = entry.RequestId!.Split(':');
            int thread = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(next[thread]++, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void An_event_that_returned_before_a_flush_precedes_every_event_logged_after_it_on_any_thread()
    {
        var sink = new MemorySink();
        var logger = new AuditLogger(sink);
        const int Rounds = 200;
        for (int round = 0; round < Rounds; round++)
        {
            // The first event on a thread of its own, then (after the flush) the second on another thread: the
            // second thread's stage is collected before the first's in every writer pass, so only the flush orders them.
            var first = new Thread(() => logger.AuthSuccess("a" + round, null, "k", "/v1"));
            first.Start();
            first.Join();
            logger.Flush();
            var second = new Thread(() => logger.AuthSuccess("b" + round, null, "k", "/v1"));
            second.Start();
            second.Join();
            logger.Flush(); // and the next round's first event after this one: again only the flush orders them
        }

        logger.Dispose();
        string?[] ids = AuditFile.Parse(sink.Lines).Select(e => e.RequestId).ToArray();
        Assert.Equal(Enumerable.Range(0, Rounds).SelectMany(r => new[] { "a" + r, "b" + r }), ids);
    }
}
