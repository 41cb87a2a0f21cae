using System;
using System.CommandLine;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding;

namespace Infernum.Audit.Fast.Tool.Commands;

/// <summary>
/// <c>infernum-audit forward</c>: ships an audit file and its rolls to a syslog collector until SIGINT or SIGTERM,
/// for a sidecar next to a process it did not write. Settings as in <see cref="AuditForwarderOptions"/>.
/// </summary>
public static class ForwardCommand
{
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>forward</c> command.</returns>
    public static Command Create()
    {
        Option<FileInfo> file = new("--file") { Description = "The active audit file (its rolls are found beside it).", Required = true };
        Option<DirectoryInfo> state = new("--state") { Description = "The forwarder's own folder: cursor.json and oversize.jsonl.", Required = true };
        Option<string> host = new("--host") { Description = "The collector's host name or address.", Required = true };
        Option<int> port = new("--port") { Description = "The collector's port (default 514 tcp, 6514 tls, 20514 relp)." };
        Option<SyslogTransport> transport = new("--transport") { Description = "tcp, tls, relp or relptls (RELP inside TLS).", DefaultValueFactory = _ => SyslogTransport.Tcp };
        Option<FileInfo?> ca = new("--ca") { Description = "TLS: PEM file of the CA(s) the server certificate must chain to." };
        Option<FileInfo?> clientCertificate = new("--client-cert") { Description = "TLS: PEM client certificate." };
        Option<FileInfo?> clientKey = new("--client-key") { Description = "TLS: PEM private key of --client-cert." };
        Option<string?> serverName = new("--server-name") { Description = "TLS: the name the server certificate must carry (default --host)." };
        Option<string?> hostName = new("--hostname") { Description = "RFC 5424 HOSTNAME (default this machine's name)." };
        Option<string> appName = new("--app-name") { Description = "RFC 5424 APP-NAME.", DefaultValueFactory = _ => "infernum-audit" };
        Option<int> maxMessageBytes = new("--max-message-bytes") { Description = "Longest message sent; longer lines are recorded and replaced by a stub.", DefaultValueFactory = _ => 8192 };
        Option<long> resendWindowBytes = new("--resend-window-bytes") { Description = "TCP/TLS: octets sent again after a disconnect.", DefaultValueFactory = _ => 16L << 20 };
        Option<int> statusInterval = new("--status-interval") { Description = "Seconds between status lines (the counters) on stderr; 0 prints them only at exit.", DefaultValueFactory = _ => 60 };
        Option<double> sendTimeout = new("--send-timeout") { Description = "Seconds a send may make no progress (a collector that stopped reading) before the connection is dropped, reported as Stalled and retried, 0.1 to 3600.", DefaultValueFactory = _ => 30 };
        Option<int> relpWindow = new("--relp-window") { Description = "RELP: messages awaiting acknowledgement at most.", DefaultValueFactory = _ => 1024 };

        Command command = new("forward", "Ship an audit file and its rolls to a syslog collector (RFC 5424 over TCP, TLS or RELP), resuming at a durable cursor.");
        foreach (Option option in new Option[] { file, state, host, port, transport, ca, clientCertificate, clientKey, serverName, hostName, appName, maxMessageBytes, resendWindowBytes, relpWindow, sendTimeout, statusInterval })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            AuditForwarderOptions options;
            try
            {
                FileInfo? caFile = result.GetValue(ca);
                FileInfo? certificateFile = result.GetValue(clientCertificate);
                FileInfo? keyFile = result.GetValue(clientKey);
                X509Certificate2Collection? trusted = null;
                if (caFile is not null)
                {
                    trusted = [];
                    trusted.ImportFromPemFile(caFile.FullName);
                }

                options = new AuditForwarderOptions
                {
                    FilePath = result.GetValue(file)!.FullName,
                    StateDirectory = result.GetValue(state)!.FullName,
                    Host = result.GetValue(host)!,
                    Port = result.GetValue(port),
                    Transport = result.GetValue(transport),
                    TrustedCaCertificates = trusted,
                    ClientCertificate = certificateFile is null ? null : X509Certificate2.CreateFromPemFile(certificateFile.FullName, keyFile?.FullName),
                    ServerName = result.GetValue(serverName),
                    HostName = result.GetValue(hostName) ?? System.Net.Dns.GetHostName(),
                    AppName = result.GetValue(appName)!,
                    MaxMessageBytes = result.GetValue(maxMessageBytes),
                    ResendWindowBytes = result.GetValue(resendWindowBytes),
                    RelpWindow = result.GetValue(relpWindow),
                    SendTimeout = SecondsOption(result.GetValue(sendTimeout)),
                    OnReport = report => Console.Error.WriteLine($"{DateTime.UtcNow:O} {report.Kind}: {report.Message}"),
                };
                options.Validate();
                if (result.GetValue(statusInterval) < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(statusInterval), "--status-interval must be 0 or more seconds.");
                }
            }
            catch (Exception error) when (error is ArgumentException or IOException or System.Security.Cryptography.CryptographicException)
            {
                await Console.Error.WriteLineAsync("forward: " + error.Message).ConfigureAwait(false);
                return 2;
            }

            using AuditForwarder forwarder = new(options);
            Task running = forwarder.RunAsync(cancellationToken);
            int interval = result.GetValue(statusInterval);
            if (interval > 0)
            {
                // A sidecar runs for months: its counters are worth seeing before it exits.
                using PeriodicTimer timer = new(TimeSpan.FromSeconds(interval));
                while (await Task.WhenAny(running, timer.WaitForNextTickAsync(CancellationToken.None).AsTask()).ConfigureAwait(false) != running)
                {
                    await Console.Error.WriteLineAsync($"{DateTime.UtcNow:O} status: {Status(forwarder.Counters)}").ConfigureAwait(false);
                }
            }

            await running.ConfigureAwait(false);
            await Console.Out.WriteLineAsync(Status(forwarder.Counters)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    // Out of TimeSpan's range (or NaN) is out of the option's range too: Validate names it.
    private static TimeSpan SecondsOption(double seconds) =>
        double.IsFinite(seconds) && Math.Abs(seconds) < 1e9 ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;

    private static string Status(AuditForwarderCounters counters) =>
        $"shipped {counters.Shipped}, sent {counters.Sent}, resent {counters.Resent}, last seq {counters.LastShippedSequence}, lag {counters.LagLines} lines {counters.LagSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} s, connections {counters.Connections}, reconnects {counters.Reconnects}, connect failures {counters.ConnectFailures}, certificate rejections {counters.CertificateRejections}, refused {counters.CollectorRefusals}, stalls {counters.Stalls}, disconnects {counters.Disconnects}, oversize {counters.OversizeLines}, missing {counters.MissingLines}";
}
