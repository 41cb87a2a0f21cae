namespace Infernum.Audit.Fast.Forwarding;

/// <summary>How lines travel to the collector.</summary>
public enum SyslogTransport
{
    /// <summary>
    /// Plain TCP, RFC 6587 octet counting (default port 514). The collector never confirms anything: after a
    /// disconnect the last <see cref="AuditForwarderOptions.ResendWindowBytes"/> sent are sent again.
    /// </summary>
    Tcp,

    /// <summary>
    /// TLS over TCP, RFC 5425 (default port 6514): the server certificate must chain to
    /// <see cref="AuditForwarderOptions.TrustedCaCertificates"/> and match the server name. Resends as <see cref="Tcp"/>.
    /// </summary>
    Tls,

    /// <summary>
    /// RELP over TCP (default port 20514): the collector acknowledges each message; the cursor advances only over
    /// acknowledged lines, so after a disconnect exactly the unacknowledged ones are sent again.
    /// </summary>
    Relp,

    /// <summary>
    /// RELP inside TLS (librelp's TLS mode, rsyslog imrelp <c>tls="on"</c>; default port 20514): acknowledged as
    /// <see cref="Relp"/>, with the server certificate checked as for <see cref="Tls"/>.
    /// </summary>
    RelpTls,
}
