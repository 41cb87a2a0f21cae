using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Files;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class DateextRotationTests
{
    [Theory]
    [InlineData("dateext")]
    [InlineData("dateext\n  dateformat -%Y%m%d%H")]
    [InlineData("dateext\n  extension .jsonl")]
    public async Task A_dateext_roll_while_the_forwarder_is_down_is_followed_by_identity_and_nothing_is_resent_or_skipped(string dateext)
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("dateext");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Relp);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
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

        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 600; i++)
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1/models");
            }
        }

        AuditForwarderCounters first = await ForwardRun.UntilAsync(options, f => f.Counters.LastShippedSequence >= 600);
        Assert.Equal(600, first.Shipped);

        // Down: 200 more lines, then the real logrotate renames the file by date and creates a new one.
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 600; i < 800; i++)
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1/models");
            }
        }

        string config = folder.File("logrotate.conf");
        File.WriteAllText(config, $"\"{path}\" {{\n  rotate 5\n  {dateext}\n  nocompress\n  create\n  missingok\n}}\n");
        using (Process logrotate = Process.Start(new ProcessStartInfo("logrotate", ["-f", "-s", folder.File("logrotate.state"), config]) { RedirectStandardError = true })!)
        {
            string error = await logrotate.StandardError.ReadToEndAsync();
            await logrotate.WaitForExitAsync();
            Assert.True(logrotate.ExitCode == 0, "logrotate failed: " + error);
        }

        List<string> files = new AuditFileSet(path).OldestFirst();
        Assert.Equal(2, files.Count);
        Assert.Matches(dateext.Contains("extension", StringComparison.Ordinal) ? @"audit-\d{8}\.jsonl$" : @"audit\.jsonl-\d{8,10}$", files[0]);
        string[] rolled = File.ReadAllText(files[0]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(800, rolled.Length);

        AuditForwarderCounters second = await ForwardRun.UntilAsync(options, f => f.Counters.Shipped >= 200);
        collector.Stop();

        Assert.Equal(200, second.Sent);
        Assert.Equal(0, second.Resent);
        lock (reports)
        {
            Assert.DoesNotContain(reports, r => r.Kind == AuditForwarderReportKind.CursorFileMissing);
        }

        Assert.Equal(rolled, File.ReadAllText(collector.Outputs[0]).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
