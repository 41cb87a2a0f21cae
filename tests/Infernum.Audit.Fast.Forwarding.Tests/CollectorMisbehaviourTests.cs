using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Forwarding.Tests;

/// <summary>Collectors that accept the connection and then do not take lines: silence, error answers, TLS resets.</summary>
[Collection("rsyslog")]
public sealed class CollectorMisbehaviourTests(ITestOutputHelper output)
{
    private static async Task<string> WriteLinesAsync(TempFolder folder, int count)
    {
        string path = folder.File("audit.jsonl");
        await using AuditLogger audit = new(AuditSink.ToFile(path));
        for (int i = 0; i < count; i++)
        {
            audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1/models");
        }

        return path;
    }

    private static AuditForwarderOptions Options(TempFolder folder, string path, int port, SyslogTransport transport, List<AuditForwarderReport> reports) => new()
    {
        FilePath = path,
        StateDirectory = folder.File("state"),
        Host = "127.0.0.1",
        Port = port,
        Transport = transport,
        MinReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxReconnectDelay = TimeSpan.FromSeconds(1),
        AckTimeout = TimeSpan.FromMilliseconds(500),
        PollInterval = TimeSpan.FromMilliseconds(10),
        OnReport = r =>
        {
            lock (reports)
            {
                reports.Add(r);
            }
        },
    };

    [Fact]
    public async Task A_RELP_server_that_never_answers_is_given_up_after_the_AckTimeout_with_the_window_not_full_and_the_lines_are_resent()
    {
        using TempFolder folder = new("relp-silent");
        string path = await WriteLinesAsync(folder, 50);
        using RelpTestServer server = new(_ => null);
        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(Options(folder, path, server.Port, SyslogTransport.Relp, reports));
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);

        // 50 lines fit the window (default 1024): only the AckTimeout can end the connection.
        await RsyslogForwardingTests.WaitUntil(() => server.Connections >= 3 && server.SyslogCommands >= 150, TimeSpan.FromSeconds(30), "two reconnects and resends");
        await stop.CancelAsync();
        await running;

        Assert.Equal(0, forwarder.Counters.Shipped);
        Assert.True(forwarder.Counters.Resent >= 100, $"resent {forwarder.Counters.Resent}");
        lock (reports)
        {
            Assert.Contains(reports, r => r.Message.Contains("AckTimeout", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_RELP_server_that_answers_every_line_with_500_is_reconnected_with_backoff_and_reported_as_refusing()
    {
        using TempFolder folder = new("relp-500");
        string path = await WriteLinesAsync(folder, 50);
        using RelpTestServer server = new(_ => "500 no");
        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(Options(folder, path, server.Port, SyslogTransport.Relp, reports));
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await running;

        // Backoff 50, 100, 200, 400, 800, 1000 ms...: about 6 connections in 3 s (without it: thousands).
        output.WriteLine($"{server.Connections} connections in 3 s");
        Assert.InRange(server.Connections, 2, 10);
        Assert.Equal(0, forwarder.Counters.Shipped);
        Assert.True(forwarder.Counters.CollectorRefusals >= 2);
        lock (reports)
        {
            Assert.Contains(reports, r => r.Kind == AuditForwarderReportKind.CollectorRefused && r.Message.Contains("500", StringComparison.Ordinal));
            Assert.DoesNotContain(reports, r => r.Kind == AuditForwarderReportKind.Disconnected);
        }
    }

    [Fact]
    public async Task An_rsyslog_that_requires_a_client_certificate_gets_none_is_reconnected_with_backoff_and_the_report_says_so()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("tls-no-client-cert");
        using X509Certificate2 ca = TestCertificates.CreateCa("Infernum Test CA");
        using X509Certificate2 serverCertificate = TestCertificates.CreateLeaf(ca, "localhost", server: true);
        TestCertificates.WritePem(ca, folder.File("ca.pem"));
        TestCertificates.WritePem(serverCertificate, folder.File("server.pem"), folder.File("server-key.pem"));
        using RsyslogCollector collector = new(folder.Path, SyslogTransport.Tls, folder.File("ca.pem"), folder.File("server.pem"), folder.File("server-key.pem"), "x509/certvalid");
        collector.Start();
        string path = await WriteLinesAsync(folder, 50);
        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(Options(folder, path, collector.Port, SyslogTransport.Tls, reports) with
        {
            Host = "localhost",
            TrustedCaCertificates = [ca],
        });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await running;
        collector.Stop();

        AuditForwarderCounters counters = forwarder.Counters;
        output.WriteLine($"{counters.Connections} connections, {counters.ConnectFailures} connect failures in 3 s");
        Assert.InRange(counters.Connections + counters.ConnectFailures, 2, 10);
        Assert.Equal(0, counters.Shipped);
        lock (reports)
        {
            Assert.Contains(reports, r => r.Message.Contains("requires a client certificate", StringComparison.Ordinal));
        }

        Assert.True(!File.Exists(collector.Outputs[0]) || new FileInfo(collector.Outputs[0]).Length == 0, "rsyslog took lines without a client certificate");
    }
}
