using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Files;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class CursorAlignmentTests
{
    [Theory]
    [InlineData(0, 10)]
    [InlineData(4, 7)]
    [InlineData(19, 1)]
    public async Task A_cursor_inside_a_line_resumes_at_that_line_start_so_rsyslog_gets_it_whole_and_it_is_reported(int line, int into)
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("cursor-misaligned");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Relp);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 20; i++)
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1/models");
            }
        }

        string[] local = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        long lineStart = local.Take(line).Sum(l => Encoding.UTF8.GetByteCount(l) + 1);
        new ForwarderCursor(folder.File("state")).Save(new AuditFilePosition(AuditFileIdentity.Of(path), lineStart + into), line);

        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(setup.Options(path, folder.File("state")) with
        {
            OnReport = r =>
            {
                lock (reports)
                {
                    reports.Add(r);
                }
            },
        });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.LastShippedSequence >= 20, TimeSpan.FromSeconds(30), "every line taken");
        await stop.CancelAsync();
        await running;
        collector.Stop();

        // Whole lines from the one the cursor fell in: nothing torn, nothing skipped.
        Assert.Equal(local[line..], File.ReadAllText(collector.Outputs[0]).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        lock (reports)
        {
            AuditForwarderReport report = Assert.Single(reports, r => r.Kind == AuditForwarderReportKind.CursorMisaligned);
            Assert.Contains($"({lineStart})", report.Message, StringComparison.Ordinal);
        }
    }
}
