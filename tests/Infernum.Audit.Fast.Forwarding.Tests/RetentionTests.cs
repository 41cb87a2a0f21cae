using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Files;
using Infernum.Audit.Fast.Forwarding.Syslog;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class RetentionTests
{
    [Fact]
    public async Task Files_deleted_by_retention_before_they_were_shipped_are_reported_and_the_missing_lines_counted()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("forward-retention");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Relp);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        AuditFileOptions rolling = new() { MaxFileBytes = 64 * 1024, RetainedFiles = 2 };
        List<AuditForwarderReport> reports = [];
        AuditForwarderOptions options = setup.Options(path, folder.File("state")) with
        {
            OnReport = r =>
            {
                lock (reports)
                {
                    reports.Add(r);
                }
            },
        };

        await Write(path, rolling, 200);
        await Forward(options, 200);

        // The forwarder is down while the logger rolls past its retention.
        await Write(path, rolling, 3000);
        List<string> left = new AuditFileSet(path).OldestFirst();
        long oldestLeft = JsonLineFields.Sequence(System.Text.Encoding.UTF8.GetBytes(File.ReadLines(left[0]).First()));
        Assert.True(oldestLeft > 201, "retention deleted unshipped lines");

        AuditForwarderCounters counters = await Forward(options, 3200);
        collector.Stop();
        Assert.Equal(oldestLeft - 201, counters.MissingLines);
        lock (reports)
        {
            Assert.Contains(reports, r => r.Kind == AuditForwarderReportKind.CursorFileMissing);
            Assert.Contains(reports, r => r.Kind == AuditForwarderReportKind.LinesMissing && r.Message.Contains("from 200 to " + oldestLeft, StringComparison.Ordinal));
        }

        string[] received = File.ReadAllLines(collector.Outputs[0]);
        Assert.Equal(200 + (3200 - oldestLeft + 1), received.Length);
    }

    [Fact]
    public async Task A_cursor_that_cannot_be_saved_is_reported_and_shipping_goes_on()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("forward-cursor-error");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Relp);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        await Write(path, new AuditFileOptions(), 500);

        // A folder where the cursor's temporary file must go: every save fails.
        Directory.CreateDirectory(Path.Combine(folder.File("state"), "cursor.json.tmp"));
        List<AuditForwarderReport> reports = [];
        AuditForwarderCounters counters = await Forward(setup.Options(path, folder.File("state")) with
        {
            OnReport = r =>
            {
                lock (reports)
                {
                    reports.Add(r);
                }
            },
        }, 500);
        collector.Stop();

        Assert.Equal(500, counters.Shipped);
        Assert.Equal(500, CollectorOutput.AssertSameAsLocal(collector.Outputs, path).Lines);
        lock (reports)
        {
            Assert.Contains(reports, r => r.Kind == AuditForwarderReportKind.FileError && r.Message.StartsWith("Saving the cursor failed", StringComparison.Ordinal));
        }
    }

    private static async Task Write(string path, AuditFileOptions rolling, int events)
    {
        await using AuditLogger audit = new(AuditSink.ToFile(path, rolling));
        for (int i = 0; i < events; i++)
        {
            audit.AuthSuccess("req-" + i, "10.3.3.3", "sk-inf-abcdefghijk", "/v1/models");
        }
    }

    private static async Task<AuditForwarderCounters> Forward(AuditForwarderOptions options, long lastSequence)
    {
        using AuditForwarder forwarder = new(options);
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.LastShippedSequence >= lastSequence, TimeSpan.FromSeconds(60), "seq " + lastSequence);
        await stop.CancelAsync();
        await running;
        return forwarder.Counters;
    }
}
