using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class OversizeTests
{
    [Fact]
    public async Task Lines_over_the_message_limit_are_counted_reported_recorded_verbatim_and_replaced_by_a_stub_with_their_seq()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("forward-oversize");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Relp);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 10; i++)
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1/models");
            }

            // Just over the limit, within the read buffer.
            audit.AuthFailure("req-big", "10.0.0.1", "/v1/models", new string('r', 5000));
            for (int i = 0; i < 10; i++)
            {
                audit.AuthSuccess("req-after-" + i, "10.0.0.1", "sk-inf-abcdefghijk", "/v1/models");
            }
        }

        // A file the forwarder did not write (sidecar use): a line far longer than its read buffer, then a normal one.
        string huge = "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"huge\",\"details\":\"" + new string('h', 3 << 20) + "\",\"seq\":22}\n";
        string last = "{\"timestamp\":\"2026-11-30T10:00:01.0000000Z\",\"event_type\":\"auth_success\",\"seq\":23}\n";
        File.AppendAllText(path, huge + last);

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
        using (AuditForwarder forwarder = new(options))
        {
            using CancellationTokenSource stop = new();
            Task running = forwarder.RunAsync(stop.Token);
            await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.LastShippedSequence >= 23, TimeSpan.FromSeconds(60), "all 23 lines");
            await stop.CancelAsync();
            await running;
            Assert.Equal(2, forwarder.Counters.OversizeLines);
        }

        collector.Stop();
        string[] local = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] received = File.ReadAllText(collector.Outputs[0]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(23, received.Length);
        string big = local[10];

        // Recorded: both lines, verbatim, in order.
        Assert.Equal(big + "\n" + huge, File.ReadAllText(Path.Combine(folder.File("state"), "oversize.jsonl")));

        // Reported: twice, with the record's path.
        lock (reports)
        {
            Assert.Equal(2, reports.Count(r => r.Kind == AuditForwarderReportKind.Oversize && r.Message.Contains("oversize.jsonl", StringComparison.Ordinal)));
        }

        // On the wire: a stub in place of each, with the original's timestamp, seq, length and SHA-256; every other line as it is.
        for (int i = 0; i < 23; i++)
        {
            if (i is 10 or 21)
            {
                string original = i == 10 ? big + "\n" : huge;
                using JsonDocument stub = JsonDocument.Parse(received[i]);
                using JsonDocument source = JsonDocument.Parse(original);
                Assert.Equal("audit_oversize", stub.RootElement.GetProperty("event_type").GetString());
                Assert.Equal(source.RootElement.GetProperty("seq").GetInt64(), stub.RootElement.GetProperty("seq").GetInt64());
                Assert.Equal(source.RootElement.GetProperty("timestamp").GetString(), stub.RootElement.GetProperty("timestamp").GetString());
                Assert.Equal(Encoding.UTF8.GetByteCount(original), stub.RootElement.GetProperty("line_bytes").GetInt64());
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(original))), stub.RootElement.GetProperty("sha256").GetString());
            }
            else
            {
                Assert.Equal(local[i], received[i]);
            }
        }
    }
}
