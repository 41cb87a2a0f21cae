using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Hosting;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Forwarding.Tests;

/// <summary>
/// Collectors that hold the connection but stop taking data: a real listener on the collector's port that accepts
/// and never reads (after the TLS handshake, after RELP's open), or never answers the handshake. The forwarder must
/// report the stall, drop the connection, and deliver every line to the real rsyslogd that replaces the stuck one on
/// the same port; and its stop must not wait on the stuck collector.
/// </summary>
[Collection("rsyslog")]
public sealed class StuckCollectorTests(ITestOutputHelper output)
{
    // Well over what the kernel buffers between the two ends (up to 4 MiB sent, 4 KiB received): the send must block.
    private const int Lines = 40_000;

    private static readonly TimeSpan s_sendTimeout = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(SyslogTransport.Tcp)]
    [InlineData(SyslogTransport.Tls)]
    [InlineData(SyslogTransport.Relp)]
    [InlineData(SyslogTransport.RelpTls)]
    public async Task A_collector_that_accepts_and_never_reads_is_reported_stalled_after_the_SendTimeout_and_every_line_reaches_the_rsyslog_that_replaces_it(SyslogTransport transport)
    {
        RsyslogForwardingTests.RequireRsyslog();
        using Scene scene = await Scene.CreateAsync("stuck-reading", transport, Lines);
        List<AuditForwarderReport> reports = scene.Reports;
        using StuckCollector stuck = scene.StuckCollector(goesSilentAfterOpening: true);

        // Only a blocked send can end the stuck connection: every line fits the RELP window, acknowledgements may take an hour.
        using AuditForwarder forwarder = new(scene.Options with { SendTimeout = s_sendTimeout, RelpWindow = 65_536, AckTimeout = TimeSpan.FromHours(1) });
        using CancellationTokenSource stop = new();
        Stopwatch clock = Stopwatch.StartNew();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => Has(reports, AuditForwarderReportKind.Stalled), TimeSpan.FromSeconds(60), "a Stalled report");
        TimeSpan reported = clock.Elapsed;
        long sentWhileStuck = forwarder.Counters.Sent;
        output.WriteLine($"{transport}: stalled reported after {reported.TotalSeconds:F2} s (SendTimeout {s_sendTimeout.TotalSeconds} s), {sentWhileStuck} lines appended, {stuck.Silent} silent connections");
        Assert.True(stuck.Silent >= 1, "the stuck collector held a connection");
        Assert.Equal(0, forwarder.Counters.Shipped);
        Assert.True(forwarder.Counters.Sent < Lines, $"the send blocked ({forwarder.Counters.Sent} of {Lines} lines appended)");
        lock (reports)
        {
            AuditForwarderReport stall = reports.First(r => r.Kind == AuditForwarderReportKind.Stalled);
            output.WriteLine(stall.Message);
            Assert.Contains("SendTimeout", stall.Message, StringComparison.Ordinal);
        }

        CollectorOutput.Comparison result = await scene.ReplaceAndStopAsync(stuck, forwarder, stop, running);
        AuditForwarderCounters counters = forwarder.Counters;
        output.WriteLine($"{transport}: {result.Lines} lines, {result.Duplicates} duplicates, resent {counters.Resent}, stalls {counters.Stalls}, reconnects {counters.Reconnects}");
        Assert.Equal(Lines, result.Lines);
        Assert.True(counters.Stalls >= 1);
        Assert.True(counters.Resent > 0, "the lines sent into the stuck connection were sent again");
        Assert.True(result.Duplicates <= counters.Resent);
        Assert.Equal(0, counters.MissingLines);
        if (scene.Relp)
        {
            // Nothing was acknowledged on the stuck connection, and everything rsyslog acknowledged it wrote once.
            Assert.Equal(0, result.Duplicates);
        }
    }

    [Theory]
    [InlineData(SyslogTransport.Tcp)]
    [InlineData(SyslogTransport.Tls)]
    [InlineData(SyslogTransport.Relp)]
    [InlineData(SyslogTransport.RelpTls)]
    public async Task A_collector_that_stops_reading_while_every_line_still_fits_the_socket_buffers_is_reported_stalled_and_every_line_reaches_the_rsyslog_that_replaces_it(SyslogTransport transport)
    {
        // No send blocks: the idle close (TCP, TLS) is not confirmed, or the acknowledgements do not come (RELP).
        RsyslogForwardingTests.RequireRsyslog();
        const int lines = 200;
        using Scene scene = await Scene.CreateAsync("stuck-buffered", transport, lines);
        List<AuditForwarderReport> reports = scene.Reports;
        bool relp = scene.Relp;
        using StuckCollector stuck = scene.StuckCollector(goesSilentAfterOpening: true);
        using AuditForwarder forwarder = new(scene.Options with { AckTimeout = TimeSpan.FromSeconds(1) });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => Has(reports, AuditForwarderReportKind.Stalled), TimeSpan.FromSeconds(60), "a Stalled report");
        Assert.True(forwarder.Counters.Sent >= lines, "every line was sent into the stuck connection");
        Assert.Equal(0, forwarder.Counters.Shipped);
        lock (reports)
        {
            AuditForwarderReport stall = reports.First(r => r.Kind == AuditForwarderReportKind.Stalled);
            output.WriteLine($"{transport}: {stall.Message}");
            Assert.Contains(relp ? "AckTimeout" : "did not read to the end", stall.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(reports, r => r.Kind is AuditForwarderReportKind.Disconnected or AuditForwarderReportKind.CollectorRefused && r.Message.Contains("timed out", StringComparison.Ordinal));
        }

        CollectorOutput.Comparison result = await scene.ReplaceAndStopAsync(stuck, forwarder, stop, running);
        Assert.Equal(lines, result.Lines);
        Assert.True(forwarder.Counters.Stalls >= 1);
        Assert.True(result.Duplicates <= forwarder.Counters.Resent);
    }

    [Theory]
    [InlineData(SyslogTransport.Tls)]
    [InlineData(SyslogTransport.RelpTls)]
    [InlineData(SyslogTransport.Relp)]
    public async Task A_collector_that_accepts_and_never_answers_the_handshake_or_open_is_reported_stalled_after_the_ConnectTimeout_and_every_line_reaches_the_rsyslog_that_replaces_it(SyslogTransport transport)
    {
        RsyslogForwardingTests.RequireRsyslog();
        using Scene scene = await Scene.CreateAsync("stuck-handshake", transport, 2_000);
        List<AuditForwarderReport> reports = scene.Reports;
        TimeSpan connectTimeout = TimeSpan.FromSeconds(1);
        using StuckCollector stuck = scene.StuckCollector(goesSilentAfterOpening: false);
        using AuditForwarder forwarder = new(scene.Options with { ConnectTimeout = connectTimeout });
        using CancellationTokenSource stop = new();
        Stopwatch clock = Stopwatch.StartNew();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => Has(reports, AuditForwarderReportKind.Stalled), TimeSpan.FromSeconds(60), "a Stalled report");
        output.WriteLine($"{transport}: stalled reported after {clock.Elapsed.TotalSeconds:F2} s (ConnectTimeout {connectTimeout.TotalSeconds} s)");
        string stage = transport == SyslogTransport.Relp ? "RELP open" : "TLS handshake";
        lock (reports)
        {
            AuditForwarderReport stall = reports.First(r => r.Kind == AuditForwarderReportKind.Stalled);
            output.WriteLine(stall.Message);
            Assert.Contains(stage, stall.Message, StringComparison.Ordinal);
            Assert.Contains("ConnectTimeout", stall.Message, StringComparison.Ordinal);
        }

        Assert.True(stuck.Connections >= 1);
        Assert.Equal(0, forwarder.Counters.Sent);
        Assert.True(forwarder.Counters.Stalls >= 1);

        Assert.Equal(2_000, (await scene.ReplaceAndStopAsync(stuck, forwarder, stop, running)).Lines);
    }

    [Theory]
    [InlineData(SyslogTransport.Tcp)]
    [InlineData(SyslogTransport.Tls)]
    [InlineData(SyslogTransport.Relp)]
    [InlineData(SyslogTransport.RelpTls)]
    public async Task Stopping_the_forwarder_while_its_send_is_stuck_completes_within_the_close_timeout_and_saves_the_cursor(SyslogTransport transport)
    {
        using Scene scene = await Scene.CreateAsync("stuck-stop", transport, Lines);
        using StuckCollector stuck = scene.StuckCollector(goesSilentAfterOpening: true);

        // The stall detection does not fire first: the stop alone must get out of the blocked send.
        AuditForwarder forwarder = new(scene.Options with { SendTimeout = TimeSpan.FromMinutes(10), RelpWindow = 65_536, AckTimeout = TimeSpan.FromHours(1) });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => stuck.Silent >= 1 && forwarder.Counters.Sent > 0, TimeSpan.FromSeconds(60), "a stuck connection");
        await WaitStillAsync(() => forwarder.Counters.Sent, TimeSpan.FromSeconds(1));
        Assert.True(forwarder.Counters.Sent < Lines, "the send blocked");

        Stopwatch clock = Stopwatch.StartNew();
        await stop.CancelAsync();
        Task done = await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(60)));
        TimeSpan took = clock.Elapsed;
        output.WriteLine($"{transport}: stop took {took.TotalSeconds:F2} s with the send stuck ({forwarder.Counters.Sent} lines appended)");
        Assert.Same(running, done);
        await running;

        // The close timeout is 5 s; the margin is for a loaded machine, far below a hang.
        Assert.True(took < TimeSpan.FromSeconds(15), $"the stop took {took.TotalSeconds:F1} s");
        Assert.Equal(0, forwarder.Counters.Shipped);
        forwarder.Dispose();

        // Nothing was taken, so a new forwarder starts from the first line.
        Assert.False(System.IO.File.Exists(System.IO.Path.Combine(scene.Folder.File("state"), "cursor.json")), "a cursor saved past lines the collector never took");
    }

    [Fact]
    public async Task Stopping_the_host_while_the_forwarders_send_is_stuck_completes_within_the_close_timeout()
    {
        using Scene scene = await Scene.CreateAsync("stuck-host-stop", SyslogTransport.Tls, Lines);
        using StuckCollector stuck = scene.StuckCollector(goesSilentAfterOpening: true);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddInfernumAuditForwarding(scene.Options with { SendTimeout = TimeSpan.FromMinutes(10) });
        using IHost host = builder.Build();
        await host.StartAsync();
        AuditForwarder forwarder = host.Services.GetRequiredService<AuditForwarderService>().Forwarder;
        await RsyslogForwardingTests.WaitUntil(() => stuck.Silent >= 1 && forwarder.Counters.Sent > 0, TimeSpan.FromSeconds(60), "a stuck connection");
        await WaitStillAsync(() => forwarder.Counters.Sent, TimeSpan.FromSeconds(1));
        Assert.True(forwarder.Counters.Sent < Lines, "the send blocked");

        // The host gives up on a service after its ShutdownTimeout (30 s) whatever the service does: the bound asserted
        // is well below it, so a forwarder that ignored the stop would fail here.
        Stopwatch clock = Stopwatch.StartNew();
        await host.StopAsync();
        TimeSpan took = clock.Elapsed;
        output.WriteLine($"host stop took {took.TotalSeconds:F2} s with the send stuck");
        Assert.True(took < TimeSpan.FromSeconds(15), $"the host stop took {took.TotalSeconds:F1} s");
        Task execute = host.Services.GetRequiredService<AuditForwarderService>().ExecuteTask!;
        Assert.True(execute.IsCompletedSuccessfully, "the forwarder's run ended with the stop");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    [InlineData(3_600_001)]
    [InlineData(-1_000)]
    public void A_SendTimeout_outside_100_ms_to_1_hour_is_refused_at_construction_with_its_name(int milliseconds)
    {
        using TempFolder folder = new("send-timeout-range");
        AuditForwarderOptions options = new()
        {
            FilePath = folder.File("audit.jsonl"),
            StateDirectory = folder.File("state"),
            Host = "127.0.0.1",
            SendTimeout = TimeSpan.FromMilliseconds(milliseconds),
        };
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => new AuditForwarder(options));
        Assert.Equal(nameof(AuditForwarderOptions.SendTimeout), error.ParamName);
        Assert.Equal(TimeSpan.FromSeconds(30), new AuditForwarderOptions().SendTimeout);
        using AuditForwarder accepted = new(options with { SendTimeout = TimeSpan.FromMilliseconds(100) });
    }

    private static async Task WaitStillAsync(Func<long> value, TimeSpan still)
    {
        long last = value();
        Stopwatch unchanged = Stopwatch.StartNew();
        Stopwatch total = Stopwatch.StartNew();
        while (unchanged.Elapsed < still && total.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
            long now = value();
            if (now != last)
            {
                last = now;
                unchanged.Restart();
            }
        }
    }

    private static bool Has(List<AuditForwarderReport> reports, AuditForwarderReportKind kind)
    {
        lock (reports)
        {
            return reports.Exists(r => r.Kind == kind);
        }
    }

    /// <summary>
    /// One test's stage: a folder with the audit file, an rsyslogd of the transport (not started: the stuck collector
    /// takes its port first), for TLS the server certificate, and the reports collected.
    /// </summary>
    private sealed class Scene : IDisposable
    {
        private readonly RsyslogForwardingTests.Collector _setup;
        private readonly X509Certificate2? _certificate;
        private readonly int _lines;

        private Scene(TempFolder folder, RsyslogForwardingTests.Collector setup, string path, int lines)
        {
            Folder = folder;
            _setup = setup;
            Path = path;
            _lines = lines;
            _certificate = setup.Transport is SyslogTransport.Tls or SyslogTransport.RelpTls
                ? X509Certificate2.CreateFromPemFile(folder.File("server.pem"), folder.File("server-key.pem"))
                : null;
        }

        public TempFolder Folder { get; }

        public string Path { get; }

        public List<AuditForwarderReport> Reports { get; } = [];

        public bool Relp => _setup.Transport is SyslogTransport.Relp or SyslogTransport.RelpTls;

        /// <summary>The rsyslog test setup's options, reports collected in <see cref="Reports"/>.</summary>
        public AuditForwarderOptions Options => _setup.Options(Path, Folder.File("state")) with
        {
            OnReport = r =>
            {
                lock (Reports)
                {
                    Reports.Add(r);
                }
            },
        };

        public static async Task<Scene> CreateAsync(string name, SyslogTransport transport, int lines)
        {
            TempFolder folder = new(name + "-" + transport);
            RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, transport);
            string path = folder.File("audit.jsonl");
            await using (AuditLogger audit = new(AuditSink.ToFile(path), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) }))
            {
                for (int i = 0; i < lines; i++)
                {
                    audit.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "192.168.1.1", "sk-inf-abcdefghijk", "/v1/chat/completions");
                }
            }

            return new Scene(folder, setup, path, lines);
        }

        /// <summary>
        /// A stuck collector on rsyslog's port. <paramref name="goesSilentAfterOpening"/>: it completes the TLS handshake
        /// and answers RELP's open (as the transport has them) before it stops reading; otherwise it answers nothing.
        /// </summary>
        public StuckCollector StuckCollector(bool goesSilentAfterOpening) =>
            goesSilentAfterOpening
                ? new StuckCollector(_setup.Rsyslog.Port, _certificate, answerRelpOpen: Relp)
                : new StuckCollector(_setup.Rsyslog.Port, tlsCertificate: null, answerRelpOpen: false);

        /// <summary>
        /// Replaces the stuck collector on the same port by the rsyslogd, which reads; once it has every line, stops the
        /// forwarder and rsyslogd and compares what rsyslogd wrote with the local file.
        /// </summary>
        public async Task<CollectorOutput.Comparison> ReplaceAndStopAsync(StuckCollector stuck, AuditForwarder forwarder, CancellationTokenSource stop, Task running)
        {
            stuck.Dispose();
            _setup.Rsyslog.Start();
            await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.LastShippedSequence >= _lines, TimeSpan.FromMinutes(2), "every line taken");
            await stop.CancelAsync();
            await running;
            _setup.Rsyslog.Stop();
            return CollectorOutput.AssertSameAsLocal(_setup.Rsyslog.Outputs, Path);
        }

        public void Dispose()
        {
            _certificate?.Dispose();
            _setup.Rsyslog.Dispose();
            _setup.Dispose();
            Folder.Dispose();
        }
    }
}
