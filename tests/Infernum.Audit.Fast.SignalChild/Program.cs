using System;
using System.Globalization;
using System.Threading;
using Infernum.Audit.Fast;

// Usage: SignalChild <file> <events> <milliseconds per sink write> <dispose timeout in milliseconds>
// Logs the events into a file sink that takes that long per write, prints "ready", and waits to be stopped by a
// signal without ever disposing the logger: what reaches the file is what the logger drains on its own.
string path = args[0];
int events = int.Parse(args[1], CultureInfo.InvariantCulture);
int delay = int.Parse(args[2], CultureInfo.InvariantCulture);
var timeout = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture));
var logger = new AuditLogger(new SlowSink(AuditSink.ToFile(path), delay), null, new AuditDeliveryOptions { DisposeTimeout = timeout });
for (int i = 0; i < events; i++)
{
    logger.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "10.0.0.1", "sk-inf-signal-test", "/v1/chat/completions");
}

Console.WriteLine("ready");
Console.Out.Flush();
Thread.Sleep(Timeout.Infinite);
GC.KeepAlive(logger);

/// <summary>A sink that takes a fixed time for every write: a slow disk or network.</summary>
internal sealed class SlowSink(AuditSink inner, int delayMilliseconds) : AuditSink
{
    public override long LastSequenceNumber => inner.LastSequenceNumber;

    public override void Write(ReadOnlySpan<byte> lines)
    {
        Thread.Sleep(delayMilliseconds);
        inner.Write(lines);
    }

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
    }
}
