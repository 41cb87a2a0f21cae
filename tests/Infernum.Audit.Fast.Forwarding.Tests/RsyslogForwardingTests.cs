using System;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Forwarding.Tests;

/// <summary>
/// The forwarder against a real rsyslogd on loopback: SIGKILLed and restarted while lines flow, the forwarder stopped
/// and restarted. Event count: <c>INFERNUM_FORWARD_EVENTS</c> (default 100,000 for CI; the figure is 1,000,000).
/// </summary>
[Collection("rsyslog")]
public sealed class RsyslogForwardingTests(ITestOutputHelper output)
{
    private const int Kills = 5;

    private static int EventCount =>
        int.TryParse(Environment.GetEnvironmentVariable("INFERNUM_FORWARD_EVENTS"), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0
            ? count
            : 100_000;

    [Theory]
    [InlineData(SyslogTransport.Tcp)]
    [InlineData(SyslogTransport.Tls)]
    [InlineData(SyslogTransport.Relp)]
    [InlineData(SyslogTransport.RelpTls)]
    public async Task Every_line_reaches_rsyslog_byte_for_byte_while_it_is_SIGKILLed_and_restarted_five_times(SyslogTransport transport)
    {
        RequireRsyslog();
        int events = EventCount;
        using TempFolder folder = new("forward-kill-" + transport);
        using Collector setup = Collector.Create(folder, transport);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("logs/audit.jsonl");
        Stopwatch clock = Stopwatch.StartNew();

        using AuditForwarder forwarder = new(setup.Options(path, folder.File("state")));
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);

        Task writing = Task.Run(async () =>
        {
            await using AuditLogger audit = new(
                AuditSink.ToFile(path, new AuditFileOptions { MaxFileBytes = 16 << 20, RetainedFiles = 10_000 }),
                null,
                new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) });
            for (int i = 0; i < events; i++)
            {
                audit.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "192.168.1.1", "sk-inf-abcdefghijk", "/v1/chat/completions");
            }
        });

        for (int kill = 1; kill <= Kills; kill++)
        {
            long threshold = (long)events * kill / (Kills + 1);
            await WaitUntil(() => forwarder.Counters.Sent >= threshold, TimeSpan.FromMinutes(5), $"sent {threshold}");
            long connections = forwarder.Counters.Connections;
            collector.Kill();
            AuditForwarderCounters c = forwarder.Counters;
            output.WriteLine($"kill {kill}: sent {c.Sent} (resent {c.Resent}), shipped {c.Shipped}, lag {c.LagLines} lines {c.LagSeconds:F2} s");
            Assert.True(c.LagLines > 0 && c.LagSeconds > 0, "lines wait while the collector is down, and the lag says how long");
            await Task.Delay(200);
            collector.Start();
            // The next kill comes only after the forwarder is back, so each kill cuts a live connection.
            await WaitUntil(() => forwarder.Counters.Connections > connections, TimeSpan.FromMinutes(1), "reconnect");
        }

        await writing;
        await WaitUntil(() => forwarder.Counters.LastShippedSequence >= events, TimeSpan.FromMinutes(10), "every line taken");
        double seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await running;
        collector.Stop();

        CollectorOutput.Comparison result = CollectorOutput.AssertSameAsLocal(collector.Outputs, path);
        AuditForwarderCounters counters = forwarder.Counters;
        output.WriteLine($"{transport}: {result.Lines} lines in {seconds:F1} s, {result.Duplicates} duplicates, {result.Torn} torn, resent {counters.Resent}, reconnects {counters.Reconnects}, connect failures {counters.ConnectFailures}");
        Assert.Equal(events, result.Lines);
        Assert.Equal(0, counters.LagLines);
        Assert.Equal(0, counters.MissingLines);
        Assert.True(result.Torn <= Kills);
        Assert.True(counters.Reconnects >= Kills, "a reconnect per restart");
        // Every duplicate is a line the forwarder sent again, and only lines not taken are sent again.
        Assert.True(result.Duplicates <= counters.Resent, $"{result.Duplicates} duplicates, {counters.Resent} resent");
        if (transport is SyslogTransport.Relp or SyslogTransport.RelpTls)
        {
            // Over RELP only lines not acknowledged at a kill are sent again: at most a window per kill.
            Assert.True(counters.Resent <= (long)Kills * setup.RelpWindow, $"RELP resent {counters.Resent} > {Kills} x window {setup.RelpWindow}");
        }
    }

    [Theory]
    [InlineData(SyslogTransport.Tcp)]
    [InlineData(SyslogTransport.Tls)]
    [InlineData(SyslogTransport.Relp)]
    public async Task It_keeps_up_with_rsyslog_and_the_lag_returns_to_zero(SyslogTransport transport)
    {
        RequireRsyslog();
        int events = EventCount;
        using TempFolder folder = new("forward-keep-up-" + transport);
        using Collector setup = Collector.Create(folder, transport);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) }))
        {
            for (int i = 0; i < events; i++)
            {
                audit.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "192.168.1.1", "sk-inf-abcdefghijk", "/v1/chat/completions");
            }
        }

        using AuditForwarder forwarder = new(setup.Options(path, folder.File("state")));
        using CancellationTokenSource stop = new();
        TimeSpan ownBefore = Process.GetCurrentProcess().TotalProcessorTime;
        TimeSpan collectorBefore = collector.ProcessorTime;
        Stopwatch clock = Stopwatch.StartNew();
        Task running = forwarder.RunAsync(stop.Token);
        await WaitUntil(() => forwarder.Counters.LastShippedSequence >= events, TimeSpan.FromMinutes(10), "every line taken");
        double seconds = clock.Elapsed.TotalSeconds;
        TimeSpan own = Process.GetCurrentProcess().TotalProcessorTime - ownBefore;
        TimeSpan rsyslog = collector.ProcessorTime - collectorBefore;
        Assert.Equal(0, forwarder.Counters.LagLines);
        await stop.CancelAsync();
        await running;
        collector.Stop();
        CollectorOutput.Comparison result = CollectorOutput.AssertSameAsLocal(collector.Outputs, path);
        Assert.Equal(events, result.Lines);
        Assert.Equal(0, result.Duplicates);
        output.WriteLine($"{transport}: {events} lines in {seconds:F2} s = {events / seconds:F0} lines/s; CPU: forwarder (this process) {own.TotalSeconds:F2} s, rsyslogd {rsyslog.TotalSeconds:F2} s");
    }

    [Theory]
    [InlineData(SyslogTransport.Relp)]
    [InlineData(SyslogTransport.Tcp)]
    public async Task A_forwarder_stopped_and_started_again_resumes_at_its_cursor_without_duplicates(SyslogTransport transport)
    {
        RequireRsyslog();
        using TempFolder folder = new("forward-restart-" + transport);
        using Collector setup = Collector.Create(folder, transport);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 20_000; i++)
            {
                audit.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "10.1.1.1", "sk-inf-abcdefghijk", "/v1/models");
            }
        }

        long shippedFirst;
        using (AuditForwarder first = new(setup.Options(path, folder.File("state"))))
        {
            using CancellationTokenSource stop = new();
            Task running = first.RunAsync(stop.Token);
            await WaitUntil(() => first.Counters.Sent >= 5_000, TimeSpan.FromMinutes(2), "first forwarder sends");
            await stop.CancelAsync();
            await running;
            shippedFirst = first.Counters.Shipped;
        }

        // The logger goes on writing while no forwarder runs.
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 5_000; i++)
            {
                audit.AuthFailure("req-late-" + i.ToString(CultureInfo.InvariantCulture), "10.1.1.2", "/v1/models", "bad key");
            }
        }

        using (AuditForwarder second = new(setup.Options(path, folder.File("state"))))
        {
            using CancellationTokenSource stop = new();
            Task running = second.RunAsync(stop.Token);
            await WaitUntil(() => second.Counters.LastShippedSequence >= 25_000, TimeSpan.FromMinutes(2), "second forwarder catches up");
            await stop.CancelAsync();
            await running;
            Assert.Equal(25_000 - shippedFirst, second.Counters.Shipped);
        }

        collector.Stop();
        CollectorOutput.Comparison result = CollectorOutput.AssertSameAsLocal(collector.Outputs, path);
        Assert.Equal(25_000, result.Lines);
        Assert.Equal(0, result.Duplicates);
    }

    internal static void RequireRsyslog()
    {
        if (RsyslogCollector.Unavailable is string reason)
        {
            throw new InvalidOperationException(reason);
        }
    }

    internal static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("timed out waiting for: " + what);
            }

            await Task.Delay(10);
        }
    }

    /// <summary>An rsyslogd of the transport with, for TLS, a CA and a server certificate made for the test.</summary>
    internal sealed class Collector : IDisposable
    {
        private X509Certificate2? _ca;
        private X509Certificate2? _client;

        private Collector(RsyslogCollector rsyslog) => Rsyslog = rsyslog;

        public RsyslogCollector Rsyslog { get; }

        public SyslogTransport Transport { get; private init; }

        public int RelpWindow => 256;

        public static Collector Create(TempFolder folder, SyslogTransport transport)
        {
            if (transport is not (SyslogTransport.Tls or SyslogTransport.RelpTls))
            {
                return new Collector(new RsyslogCollector(folder.Path, transport)) { Transport = transport };
            }

            X509Certificate2 ca = TestCertificates.CreateCa("Infernum Test CA");
            using X509Certificate2 server = TestCertificates.CreateLeaf(ca, "localhost", server: true);
            TestCertificates.WritePem(ca, folder.File("ca.pem"));
            TestCertificates.WritePem(server, folder.File("server.pem"), folder.File("server-key.pem"));
            return new Collector(new RsyslogCollector(folder.Path, transport, folder.File("ca.pem"), folder.File("server.pem"), folder.File("server-key.pem")))
            {
                Transport = transport,
                _ca = ca,
                // imrelp with TLS demands a client certificate the CA signed (tls.authMode="certvalid").
                _client = transport == SyslogTransport.RelpTls ? TestCertificates.CreateLeaf(ca, "audit-forwarder", server: false) : null,
            };
        }

        public AuditForwarderOptions Options(string path, string state) => new()
        {
            FilePath = path,
            StateDirectory = state,
            Host = _ca is not null ? "localhost" : "127.0.0.1",
            Port = Rsyslog.Port,
            Transport = Transport,
            TrustedCaCertificates = _ca is null ? null : [_ca],
            ClientCertificate = _client,
            MaxMessageBytes = 60 * 1024,
            RelpWindow = RelpWindow,
            MinReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(400),
            PollInterval = TimeSpan.FromMilliseconds(10),
            CursorSaveInterval = TimeSpan.FromMilliseconds(100),
        };

        public void Dispose()
        {
            _ca?.Dispose();
            _client?.Dispose();
        }
    }
}
