using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Hosting;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class HostedForwarderTests
{
    [Fact]
    public async Task The_hosted_service_ships_while_the_host_runs_and_saves_the_cursor_when_it_stops()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("forward-hosted");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Relp);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 2000; i++)
            {
                audit.ScopeViolation("req-" + i, "10.4.4.4", "sk-inf-abcdefghijk", "/api/models/load", "admin");
            }
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddInfernumAuditForwarding(setup.Options(path, folder.File("state")));
        using (IHost host = builder.Build())
        {
            await host.StartAsync();
            AuditForwarder forwarder = host.Services.GetRequiredService<AuditForwarderService>().Forwarder;
            await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.LastShippedSequence >= 2000, TimeSpan.FromSeconds(60), "2000 lines");
            await host.StopAsync();
        }

        collector.Stop();
        Assert.Equal(2000, CollectorOutput.AssertSameAsLocal(collector.Outputs, path).Lines);
        using JsonDocument cursor = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder.File("state"), "cursor.json")));
        Assert.Equal(2000, cursor.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal(new FileInfo(path).Length, cursor.RootElement.GetProperty("offset").GetInt64());
    }
}
