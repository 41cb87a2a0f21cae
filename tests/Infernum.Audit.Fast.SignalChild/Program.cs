using System;
using System.Globalization;
using System.Threading;
using Infernum.Audit.Fast;

// Usage: SignalChild <file> <events> <milliseconds per sink write> <dispose timeout in milliseconds> [mode]
// Logs the events into a file sink that takes that long per write, prints "ready", then by mode:
//   wait (default): waits to be stopped by a signal without ever disposing the logger;
//   dispose-exit:   disposes the logger on the main thread while another thread calls Environment.Exit(4) 300 ms later;
//   dispose-wait:   disposes the logger on the main thread (a signal is sent meanwhile), then sleeps forever;
//   throw:          throws an unhandled exception on another thread.
// What reaches the file is what the logger drains on its own.
string path = args[0];
int events = int.Parse(args[1], CultureInfo.InvariantCulture);
int delay = int.Parse(args[2], CultureInfo.InvariantCulture);
var timeout = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture));
string mode = args.Length > 4 ? args[4] : "wait";
var logger = new AuditLogger(new SlowSink(AuditSink.ToFile(path), delay), null, new AuditDeliveryOptions { DisposeTimeout = timeout });
for (int i = 0; i < events; i++)
{
    logger.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "10.0.0.1", "sk-inf-signal-test", "/v1/chat/completions");
}

Console.WriteLine("ready");
Console.Out.Flush();
switch (mode)
{
    case "dispose-exit":
        new Thread(() =>
        {
            Thread.Sleep(300);
            Environment.Exit(4);
        }).Start();
        logger.Dispose();
        Thread.Sleep(Timeout.Infinite); // the exit the other thread began ends the process
        break;
    case "dispose-wait":
        logger.Dispose();
        Thread.Sleep(Timeout.Infinite);
        break;
    case "throw":
        new Thread(() => throw new InvalidOperationException("unhandled on purpose")).Start();
        Thread.Sleep(Timeout.Infinite);
        break;
    default:
        Thread.Sleep(Timeout.Infinite);
        break;
}

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
