using System;
using System.Threading;
using Infernum.Audit.Fast;
using Infernum.Audit.Fast.Evidence;
using Infernum.Audit.Fast.Evidence.Notes;

// Usage: Infernum.Audit.Fast.Evidence.CrashWriter <file> <signer key> [events]. Two threads log through the evidence
// sink (a checkpoint every 1,000 lines, rolling at 1 MiB); "ready" is printed once the first lines are in the file.
// Without a count it runs until killed; with one it logs that many and exits cleanly.
string path = args[0];
using NoteSigningKey key = NoteSigningKey.Parse(args[1]);
long limit = args.Length > 2 ? long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : long.MaxValue;
AuditLogger logger = new(AuditEvidence.ToFile(path, new AuditFileOptions { MaxFileBytes = 1 << 20, RetainedFiles = 1000 },
    new AuditEvidenceOptions { SigningKey = key, CheckpointLines = 1000 }));
logger.AuthSuccess("warm-up", "10.0.0.1", "sk-inf-crash-test-key", "/v1/chat/completions");
logger.Flush();
Console.WriteLine("ready");
Console.Out.Flush();

long next = 0;
Thread[] threads = new Thread[2];
for (int t = 0; t < threads.Length; t++)
{
    threads[t] = new Thread(() =>
    {
        long i;
        while ((i = Interlocked.Increment(ref next)) <= limit)
        {
            logger.ScopeViolation("req-" + i, "10.0.0.1", "sk-inf-crash-test-key", "/v1/chat/completions", "admin");
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
