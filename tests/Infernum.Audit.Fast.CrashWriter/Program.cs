using System;
using System.Threading;
using Infernum.Audit.Fast;

// Usage: CrashWriter <file or -> [events]. Two threads log as fast as they can; "ready" is printed once the first
// lines are in the file. Without a count it runs until killed; with one it logs that many and exits cleanly.
// "-" writes the audit lines to standard output instead (the standard-output sink's test).
string path = args[0];
long limit = args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : long.MaxValue;
var logger = new AuditLogger(path == "-" ? AuditSink.ToStandardOutput() : AuditSink.ToFile(path));
logger.AuthSuccess("warm-up", "10.0.0.1", "sk-inf-crash-test-key", "/v1/chat/completions");
logger.Flush();
Console.WriteLine("ready");
Console.Out.Flush();

long next = 0;
var threads = new Thread[2];
for (int t = 0; t < threads.Length; t++)
{
    threads[t] = new Thread(() =>
    {
        long i;
        while ((i = Interlocked.Increment(ref next)) <= limit)
        {
            logger.ScopeViolation("req-" + i, "10.0.0.1", "sk-inf-crash-test-key", "/v1/chat/completions", "scope \"with\" escapes \u2028 and more text to make lines longer");
        }
    });
    threads[t].Start();
}

foreach (Thread thread in threads)
{
    thread.Join();
}

logger.Dispose();
return 0;
