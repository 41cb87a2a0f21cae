using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class OversizeKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_forwarder_killed_while_recording_a_40_MiB_line_leaves_no_partial_record_and_the_next_run_records_it_whole()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("oversize-kill");
        using RsyslogCollector collector = new(folder.Path, SyslogTransport.Tcp);
        collector.Start();
        string path = folder.File("audit.jsonl");
        string first = "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"seq\":1}\n";
        string huge = "{\"timestamp\":\"2026-11-30T10:00:01.0000000Z\",\"event_type\":\"huge\",\"details\":\"" + new string('h', 40 << 20) + "\",\"seq\":2}\n";
        string last = "{\"timestamp\":\"2026-11-30T10:00:02.0000000Z\",\"event_type\":\"auth_success\",\"seq\":3}\n";
        File.WriteAllText(path, first + huge + last);
        string state = folder.File("state");
        string record = Path.Combine(state, "oversize.jsonl");

        // SIGKILL the sidecar while the record is part written; the window is short, so try again if it was missed.
        long cutAt = 0;
        for (int attempt = 0; attempt < 8 && cutAt == 0; attempt++)
        {
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }

            string tool = typeof(Infernum.Audit.Fast.Tool.Program).Assembly.Location;
            using Process sidecar = Process.Start(new ProcessStartInfo("dotnet",
                [tool, "forward", "--file", path, "--state", state, "--host", "127.0.0.1", "--port", collector.Port.ToString(CultureInfo.InvariantCulture), "--transport", "tcp"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            _ = sidecar.StandardOutput.ReadToEndAsync();
            _ = sidecar.StandardError.ReadToEndAsync();
            Stopwatch clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                long length = File.Exists(record) ? new FileInfo(record).Length : 0;
                if (length > 0 && length < huge.Length)
                {
                    using Process kill = Process.Start("kill", ["-KILL", sidecar.Id.ToString(CultureInfo.InvariantCulture)])!;
                    await kill.WaitForExitAsync();
                    await sidecar.WaitForExitAsync();
                    cutAt = new FileInfo(record).Length;
                    break;
                }

                if (length >= huge.Length)
                {
                    break;
                }

                Thread.Sleep(1);
            }

            if (!sidecar.HasExited)
            {
                sidecar.Kill();
                await sidecar.WaitForExitAsync();
            }
        }

        Assert.True(cutAt > 0 && cutAt < huge.Length, "the kill never landed inside the record");
        output.WriteLine($"killed with {cutAt} of {huge.Length} octets recorded");

        using (AuditForwarder forwarder = new(new AuditForwarderOptions
        {
            FilePath = path,
            StateDirectory = state,
            Host = "127.0.0.1",
            Port = collector.Port,
            Transport = SyslogTransport.Tcp,
            PollInterval = TimeSpan.FromMilliseconds(10),
        }))
        {
            using CancellationTokenSource stop = new();
            Task running = forwarder.RunAsync(stop.Token);
            await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.LastShippedSequence >= 3, TimeSpan.FromSeconds(60), "3 lines");
            await stop.CancelAsync();
            await running;
        }

        collector.Stop();

        // One record, the line as it is: the part cut by the kill is gone, not glued to the next.
        Assert.True(File.ReadAllText(record) == huge, $"oversize.jsonl holds {new FileInfo(record).Length} octets, not the {huge.Length} of the line");
    }
}
