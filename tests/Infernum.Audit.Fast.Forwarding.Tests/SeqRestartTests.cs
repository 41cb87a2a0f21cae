using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class SeqRestartTests
{
    [Fact]
    public async Task After_the_log_is_deleted_and_seq_starts_over_lines_are_fresh_and_an_oversize_line_is_recorded_and_counted()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("seq-restart");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Relp);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        List<AuditForwarderReport> reports = [];
        AuditForwarderOptions options = setup.Options(path, folder.File("state")) with
        {
            MaxMessageBytes = 2048,
            OnReport = r =>
            {
                lock (reports)
                {
                    reports.Add(r);
                }
            },
        };

        await WriteAsync(path, 20, bigAt: -1);
        await ForwardRun.UntilAsync(options, f => f.Counters.LastShippedSequence >= 20);

        // The log is deleted and begun again: seq 1..5, the third line over the limit; the cursor still says seq 20.
        File.Delete(path);
        await WriteAsync(path, 5, bigAt: 2);
        AuditForwarderCounters counters = await ForwardRun.UntilAsync(options, f => f.Counters.Shipped >= 5);
        collector.Stop();

        Assert.Equal(0, counters.Resent);
        Assert.Equal(5, counters.Sent);
        Assert.Equal(1, counters.OversizeLines);
        string[] local = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(local[2] + "\n", File.ReadAllText(Path.Combine(folder.File("state"), "oversize.jsonl")));
        lock (reports)
        {
            Assert.Contains(reports, r => r.Kind == AuditForwarderReportKind.Oversize);
            Assert.DoesNotContain(reports, r => r.Kind == AuditForwarderReportKind.LinesMissing);
        }
    }

    private static async Task WriteAsync(string path, int count, int bigAt)
    {
        await using AuditLogger audit = new(AuditSink.ToFile(path));
        for (int i = 0; i < count; i++)
        {
            if (i == bigAt)
            {
                audit.AuthFailure("req-big", "10.0.0.1", "/v1/models", new string('r', 5000));
            }
            else
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1/models");
            }
        }
    }
}
