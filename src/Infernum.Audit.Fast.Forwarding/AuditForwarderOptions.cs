using System;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Infernum.Audit.Fast.Forwarding;

/// <summary>
/// Settings of an <see cref="AuditForwarder"/>. Checked by <see cref="Validate"/> (called by the forwarder's
/// constructor), so mistakes surface at start-up with the setting's name.
/// </summary>
public sealed record AuditForwarderOptions
{
    /// <summary>The audit file the logger appends to (<c>logs/audit.jsonl</c>); its rolls are found beside it. Required.</summary>
    public string FilePath { get; init; } = "";

    /// <summary>
    /// A folder of the forwarder's own: <c>cursor.json</c> (the last line the collector took) and
    /// <c>oversize.jsonl</c> (lines too long to ship, verbatim). Required; one per forwarded log.
    /// </summary>
    public string StateDirectory { get; init; } = "";

    /// <summary>The collector's host name or address. Required.</summary>
    public string Host { get; init; } = "";

    /// <summary>The collector's port, 1 – 65535; 0 (the default) takes the transport's: 514 TCP, 6514 TLS, 20514 RELP (also in TLS).</summary>
    public int Port { get; init; }

    /// <summary>TCP, TLS, RELP or RELP in TLS. Default <see cref="SyslogTransport.Tcp"/>.</summary>
    public SyslogTransport Transport { get; init; } = SyslogTransport.Tcp;

    /// <summary>
    /// TLS: the CA certificates the server certificate must chain to (only these; the system store is not used).
    /// Required for <see cref="SyslogTransport.Tls"/> and <see cref="SyslogTransport.RelpTls"/>.
    /// </summary>
    public X509Certificate2Collection? TrustedCaCertificates { get; init; }

    /// <summary>TLS: a client certificate with its private key, for collectors that authenticate senders. Default none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>TLS: the name the server certificate must carry. Default <see cref="Host"/>.</summary>
    public string? ServerName { get; init; }

    /// <summary>RFC 5424 HOSTNAME (PRINTUSASCII, at most 255 octets; other characters become <c>_</c>). Default this machine's host name.</summary>
    public string HostName { get; init; } = Dns.GetHostName();

    /// <summary>RFC 5424 APP-NAME (at most 48 octets). Default <c>infernum-audit</c>.</summary>
    public string AppName { get; init; } = "infernum-audit";

    /// <summary>RFC 5424 PROCID (at most 128 octets). Default this process's id.</summary>
    public string ProcId { get; init; } = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>RFC 5424 facility, 0 – 23. Default 13, "log audit" (RFC 5424 table 1).</summary>
    public int Facility { get; init; } = 13;

    /// <summary>RFC 5424 severity, 0 – 7. Default 6, informational.</summary>
    public int Severity { get; init; } = 6;

    /// <summary>
    /// The longest RFC 5424 message sent (header and line, without framing), 480 – 16 MiB; default 8192, rsyslog's
    /// default <c>maxMessageSize</c>. Collectors cut or drop longer ones without telling the sender, so a longer line is
    /// not sent: it is counted, reported (<see cref="AuditForwarderReportKind.Oversize"/>), written verbatim to
    /// <c>oversize.jsonl</c> in <see cref="StateDirectory"/>, and replaced on the wire by a short
    /// <c>audit_oversize</c> line with its <c>seq</c>, length and SHA-256. Keep it at or below the collector's limit.
    /// </summary>
    public int MaxMessageBytes { get; init; } = 8192;

    /// <summary>
    /// TCP and TLS: octets of the most recently sent messages that count as not yet taken by the collector, and are
    /// sent again after a disconnect or a restart; 0 – 1 GiB, default 16 MiB. It must cover what a collector can lose
    /// when it dies: both sockets' buffers (Linux: up to 4 MiB + 6 MiB by default) and the collector's in-memory queue.
    /// </summary>
    public long ResendWindowBytes { get; init; } = 16L << 20;

    /// <summary>RELP: messages sent and not yet acknowledged at most, 1 – 65,536. Default 1024.</summary>
    public int RelpWindow { get; init; } = 1024;

    /// <summary>How often the file is checked for new lines when there were none, 1 ms – 10 s. Default 50 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The first wait after a failed connection, doubled per failure up to <see cref="MaxReconnectDelay"/>. Default 100 ms.</summary>
    public TimeSpan MinReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between connection attempts. Default 10 s; at least <see cref="MinReconnectDelay"/>.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long connecting (and the TLS handshake, and RELP's open) may take, 100 ms – 5 min. Default 10 s. A collector
    /// that accepts the TCP connection but does not finish the handshake or answer the open within it is reported as
    /// <see cref="AuditForwarderReportKind.Stalled"/> and retried with backoff.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a send may make no progress, 100 ms – 1 hour; default 30 s. A collector that keeps the connection open
    /// but stops reading (a stuck rsyslog whose queue is full, a half-dead load balancer) fills the socket buffers and
    /// blocks the send: once no data has left for this long (sends are timed per 64 KiB slice, and on Linux a slice
    /// still waiting is kept while the collector's TCP shows it reads — acknowledged octets plus its receive window
    /// from <c>TCP_INFO</c> move — so a slow collector that keeps reading is not cut off), the forwarder reports <see cref="AuditForwarderReportKind.Stalled"/>, drops the
    /// connection, reconnects with backoff and resends from the last line known taken. Also bounds sending TLS's
    /// close_notify. (A collector that stops reading while everything sent still fits the socket buffers is caught by
    /// the idle close instead, over TCP and TLS, or by <see cref="AckTimeout"/> over RELP.)
    /// </summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// RELP: how long the oldest unacknowledged message may wait before the connection is given up (reported as
    /// <see cref="AuditForwarderReportKind.Stalled"/>), 100 ms – 1 hour. Default 30 s.
    /// </summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the cursor is written to disk when it moved, 10 ms – 1 min. Default 1 s; always on stop.</summary>
    public TimeSpan CursorSaveInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Called on connections, failures, oversize lines, missing files; exceptions it throws are ignored. Default none.</summary>
    public Action<AuditForwarderReport>? OnReport { get; init; }

    /// <summary>The port used: <see cref="Port"/>, or the transport's default.</summary>
    public int EffectivePort => Port != 0 ? Port : Transport switch
    {
        SyslogTransport.Tls => 6514,
        SyslogTransport.Relp or SyslogTransport.RelpTls => 20514,
        _ => 514,
    };

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A required setting is missing, or TLS has no CA.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A number or interval is outside its range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(FilePath))
        {
            throw new ArgumentException("FilePath is required: the audit file to ship.", nameof(FilePath));
        }

        if (string.IsNullOrWhiteSpace(StateDirectory))
        {
            throw new ArgumentException("StateDirectory is required: where the cursor is kept.", nameof(StateDirectory));
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Host is required: the collector's name or address.", nameof(Host));
        }

        if (!Enum.IsDefined(Transport))
        {
            throw new ArgumentOutOfRangeException(nameof(Transport), Transport, "Transport must be Tcp, Tls, Relp or RelpTls.");
        }

        if (Transport is SyslogTransport.Tls or SyslogTransport.RelpTls && (TrustedCaCertificates is null || TrustedCaCertificates.Count == 0))
        {
            throw new ArgumentException("TLS needs TrustedCaCertificates: the CA that signed the collector's certificate.", nameof(TrustedCaCertificates));
        }

        if (ClientCertificate is not null && !ClientCertificate.HasPrivateKey)
        {
            throw new ArgumentException("ClientCertificate has no private key.", nameof(ClientCertificate));
        }

        Range(Port, 0, 65535, nameof(Port));
        Range(Facility, 0, 23, nameof(Facility));
        Range(Severity, 0, 7, nameof(Severity));
        Range(MaxMessageBytes, 480, 16 << 20, nameof(MaxMessageBytes));
        Range(ResendWindowBytes, 0, 1L << 30, nameof(ResendWindowBytes));
        Range(RelpWindow, 1, 65536, nameof(RelpWindow));
        Range(PollInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), nameof(PollInterval));
        Range(MinReconnectDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10), nameof(MinReconnectDelay));
        Range(MaxReconnectDelay, MinReconnectDelay, TimeSpan.FromHours(1), nameof(MaxReconnectDelay));
        Range(ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), nameof(ConnectTimeout));
        Range(AckTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), nameof(AckTimeout));
        Range(SendTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), nameof(SendTimeout));
        Range(CursorSaveInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1), nameof(CursorSaveInterval));
    }

    private static void Range(long value, long min, long max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }
    }

    private static void Range(TimeSpan value, TimeSpan min, TimeSpan max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }
    }
}
