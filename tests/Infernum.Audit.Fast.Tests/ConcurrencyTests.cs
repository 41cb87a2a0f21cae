using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>Many producers at once: no torn, interleaved, lost or repeated line.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public void Eight_threads_of_fifty_thousand_events_each_arrive_whole_once_and_in_order()
    {
        const int Threads = 8;
        const int PerThread = 50_000;
        var sink = new MemorySink();
        // Backpressure, not loss: on a loaded machine the writer may wait for a core longer than the default block timeout.
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { BlockTimeout = TimeSpan.FromMinutes(1) });
        string[][] ids = new string[Threads][];
        for (int t = 0; t < Threads; t++)
        {
            ids[t] = new string[PerThread];
            for (int i = 0; i < PerThread; i++)
            {
                ids[t][i] = t + ":" + i;
            }
        }

        using var start = new Barrier(Threads);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int thread = t;
            threads[t] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < PerThread; i++)
                {
                    // Vary the event (and so the line length) so lines of different sizes interleave.
                    if ((i & 3) == 0)
                    {
                        logger.ScopeViolation(ids[thread][i], "10.0.0." + thread, "sk-inf-thread-key", "/v1/chat/completions", "models:write \"quoted\"");
                    }
                    else
                    {
                        logger.AuthSuccess(ids[thread][i], "10.0.0.1", "sk-inf-thread-key", "/v1/chat/completions");
                    }
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        logger.Dispose();

        string[] lines = sink.Lines;
        Assert.Equal(Threads * PerThread, lines.Length);
        int[] next = new int[Threads];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            string id = document.RootElement.GetProperty("request_id").GetString()!;
            Assert.True(seen.Add(id), "Repeated: " + id);
            string[] parts = id.Split(':');
            int thread = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            int index = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(next[thread], index);
            next[thread] = index + 1;
        }

        Assert.All(next, count => Assert.Equal(PerThread, count));
        Assert.Equal(Threads * PerThread, logger.Counters.Written);
        Assert.Equal(0, logger.Counters.Dropped);
    }
}
