using System;
using System.Diagnostics;
using System.Threading;
using Infernum.Audit.Fast;

// Usage: SinkProbe roll <path>: opens a rolling file sink (64 KiB, 3 retained) and prints "opened"; after a line on
// standard input logs 600 events, waits for a write error and prints "refused"; after another line flushes (up to
// 30 s) and prints "written=W write_errors=E health=H" (the permission-denied roll test runs it as another user).
// Usage: SinkProbe <events>. Logs 10 events to standard output, waits a second (for a reader such as `head -c 500` to
// take what it wants and leave), logs <events> more, waits until every event is written or the sink reports a fault,
// then prints "written=W write_errors=E health=H" and, after disposal, "unwritten=U" on standard error.
if (args[0] == "roll")
{
    using var rolling = new AuditLogger(AuditSink.ToFile(args[1], new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 3 }));
    Console.WriteLine("opened");
    Console.In.ReadLine();
    for (int i = 0; i < 600; i++)
    {
        rolling.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
    }

    var refused = Stopwatch.StartNew();
    while (rolling.Counters.WriteErrors == 0 && refused.Elapsed < TimeSpan.FromSeconds(20))
    {
        Thread.Sleep(10);
    }

    Console.WriteLine($"refused write_errors={rolling.Counters.WriteErrors} health={rolling.SinkHealth}");
    Console.In.ReadLine();
    bool flushed = rolling.FlushAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
    Console.WriteLine($"written={rolling.Counters.Written} write_errors={rolling.Counters.WriteErrors} health={rolling.SinkHealth} flushed={flushed}");
    return 0;
}

int events = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var logger = new AuditLogger(AuditSink.ToStandardOutput(), null, new AuditDeliveryOptions { DisposeTimeout = TimeSpan.FromSeconds(1) });
for (int i = 0; i < 10; i++)
{
    logger.AuthSuccess("first-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
}

logger.Flush();
Thread.Sleep(1_000);
for (int i = 0; i < events; i++)
{
    logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
}

var wait = Stopwatch.StartNew();
while (logger.Counters.Written < events + 10 && logger.SinkHealth == AuditSinkHealth.Healthy && wait.Elapsed < TimeSpan.FromSeconds(20))
{
    Thread.Sleep(10);
}

AuditCounters counters = logger.Counters;
Console.Error.WriteLine($"written={counters.Written} write_errors={counters.WriteErrors} health={logger.SinkHealth}");
logger.Dispose();
Console.Error.WriteLine($"unwritten={logger.Counters.DroppedUnwritten}");
return 0;
