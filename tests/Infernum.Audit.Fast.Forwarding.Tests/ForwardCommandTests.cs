using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class ForwardCommandTests
{
    [Fact]
    public async Task The_sidecar_command_ships_over_TLS_with_a_client_certificate_and_stops_cleanly_on_SIGTERM()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("forward-command");
        using X509Certificate2 ca = TestCertificates.CreateCa("Infernum Test CA");
        using X509Certificate2 server = TestCertificates.CreateLeaf(ca, "localhost", server: true);
        using X509Certificate2 client = TestCertificates.CreateLeaf(ca, "audit-sidecar", server: false);
        TestCertificates.WritePem(ca, folder.File("ca.pem"));
        TestCertificates.WritePem(server, folder.File("server.pem"), folder.File("server-key.pem"));
        TestCertificates.WritePem(client, folder.File("client.pem"), folder.File("client-key.pem"));
        // rsyslog demands a client certificate signed by the CA.
        using RsyslogCollector collector = new(folder.Path, SyslogTransport.Tls, folder.File("ca.pem"), folder.File("server.pem"), folder.File("server-key.pem"), "x509/certvalid");
        collector.Start();

        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 3000; i++)
            {
                audit.KeyCreated("req-" + i.ToString(CultureInfo.InvariantCulture), "10.2.2.2", "sk-inf-abcdefghijk", "sk-inf-newkey00");
            }
        }

        string tool = typeof(Infernum.Audit.Fast.Tool.Program).Assembly.Location;
        ProcessStartInfo start = new("dotnet",
            [tool, "forward", "--file", path, "--state", folder.File("state"), "--host", "localhost", "--port", collector.Port.ToString(CultureInfo.InvariantCulture),
             "--transport", "tls", "--ca", folder.File("ca.pem"), "--client-cert", folder.File("client.pem"), "--client-key", folder.File("client-key.pem"), "--status-interval", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process sidecar = Process.Start(start)!;
        Task<string> stdout = sidecar.StandardOutput.ReadToEndAsync();
        Task<string> stderr = sidecar.StandardError.ReadToEndAsync();
        await RsyslogForwardingTests.WaitUntil(
            () => File.Exists(collector.Outputs[0]) && File.ReadAllText(collector.Outputs[0]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 3000,
            TimeSpan.FromSeconds(60), "3000 lines at rsyslog");

        // Long enough for a status line once everything is shipped.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        using (Process signal = Process.Start("kill", ["-TERM", sidecar.Id.ToString(CultureInfo.InvariantCulture)])!)
        {
            await signal.WaitForExitAsync();
        }

        Assert.True(sidecar.WaitForExit(30_000), "the sidecar stops on SIGTERM");
        string log = await stderr;
        Assert.True(sidecar.ExitCode == 0, "exit code " + sidecar.ExitCode + ": " + log);
        Assert.Contains("Connected", log, StringComparison.Ordinal);
        Assert.Contains("status: shipped 3000,", log, StringComparison.Ordinal);
        string summary = await stdout;
        Assert.True(summary.Contains("shipped 3000,", StringComparison.Ordinal), "stdout: " + summary + " stderr: " + log);
        collector.Stop();
        CollectorOutput.Comparison result = CollectorOutput.AssertSameAsLocal(collector.Outputs, path);
        Assert.Equal(0, result.Duplicates);
        Assert.True(File.Exists(Path.Combine(folder.File("state"), "cursor.json")), "the cursor was saved on stop");
    }
}
