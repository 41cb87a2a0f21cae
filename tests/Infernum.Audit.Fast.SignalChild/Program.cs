using System;
using System.Globalization;
using System.Threading;
using Infernum.Audit.Fast;
using Infernum.Audit.Fast.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: SignalChild <file> <events> <milliseconds per sink write> <dispose timeout in milliseconds> [mode]
// Logs the events into a file sink that takes that long per write, prints "ready", then by mode:
//   wait (default): waits to be stopped by a signal without ever disposing the logger;
//   dispose-exit:   disposes the logger on the main thread while another thread calls Environment.Exit(4) 300 ms later;
//   dispose-wait:   disposes the logger on the main thread (a signal is sent meanwhile), then sleeps forever;
//   throw:          throws an unhandled exception on another thread;
//   host:           a generic host with AddInfernumAudit (file sink, lines also forwarded to an ILogger that takes
//                   the milliseconds per line instead), run until a signal stops it.
// What reaches the file is what the logger drains on its own.
string path = args[0];
int events = int.Parse(args[1], CultureInfo.InvariantCulture);
int delay = int.Parse(args[2], CultureInfo.InvariantCulture);
var timeout = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture));
string mode = args.Length > 4 ? args[4] : "wait";
if (mode == "host")
{
    RunHosted(path, events, delay, timeout);
    return;
}

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

static void RunHosted(string path, int events, int delay, TimeSpan timeout)
{
    HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Logging.ClearProviders();
    builder.Logging.AddProvider(new SlowLoggerProvider(delay));
    builder.Services.AddInfernumAudit(settings =>
    {
        settings.FilePath = path;
        settings.ForwardToLogger = AuditLoggerBridgeMode.Also;
        settings.DisposeTimeout = timeout;
    });
    using IHost host = builder.Build();
    host.Start();
    AuditLogger logger = host.Services.GetRequiredService<AuditLogger>();
    for (int i = 0; i < events; i++)
    {
        logger.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "10.0.0.1", "sk-inf-signal-test", "/v1/chat/completions");
    }

    Console.WriteLine("ready");
    Console.Out.Flush();
    host.WaitForShutdown();
}

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

/// <summary>An ILogger provider whose loggers take a fixed time for every entry: a slow log shipper.</summary>
internal sealed class SlowLoggerProvider(int delayMilliseconds) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new SlowLogger(delayMilliseconds);

    public void Dispose()
    {
    }

    private sealed class SlowLogger(int delayMilliseconds) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Thread.Sleep(delayMilliseconds);
        }
    }
}
