namespace Infernum.Audit.Fast.Forwarding;

/// <summary>What an <see cref="AuditForwarderReport"/> is about.</summary>
public enum AuditForwarderReportKind
{
    /// <summary>A connection to the collector was made (after a failure or at start).</summary>
    Connected,

    /// <summary>Connecting to the collector failed; the forwarder retries with backoff.</summary>
    ConnectFailed,

    /// <summary>The TLS server certificate was refused (not signed by the configured CA, wrong name, expired): nothing was sent.</summary>
    CertificateRejected,

    /// <summary>An established connection failed after the collector took lines or held it 5 s; unconfirmed lines will be sent again.</summary>
    Disconnected,

    /// <summary>
    /// A connection was made but failed within 5 s and before the collector took any line (a RELP error answer, a TLS
    /// collector that resets right after the handshake because it wants a client certificate, a listener that closes).
    /// The forwarder backs off as for a failed connect. Counted in <see cref="AuditForwarderCounters.CollectorRefusals"/>.
    /// </summary>
    CollectorRefused,

    /// <summary>
    /// The collector holds the connection but stopped taking data: a send made no progress for
    /// <see cref="AuditForwarderOptions.SendTimeout"/> (it stopped reading: a full, blocked queue, a half-dead load
    /// balancer), the TLS handshake or RELP open was not answered within <see cref="AuditForwarderOptions.ConnectTimeout"/>,
    /// a RELP acknowledgement did not come within <see cref="AuditForwarderOptions.AckTimeout"/>, or an idle TCP/TLS
    /// close was not confirmed. The connection is dropped and retried with backoff; lines not confirmed are sent again.
    /// Counted in <see cref="AuditForwarderCounters.Stalls"/>.
    /// </summary>
    Stalled,

    /// <summary>A line was longer than <see cref="AuditForwarderOptions.MaxMessageBytes"/>: recorded locally, a stub sent in its place.</summary>
    Oversize,

    /// <summary>The file of the saved cursor is gone (deleted by retention before it was shipped).</summary>
    CursorFileMissing,

    /// <summary>
    /// The saved cursor's offset is not 0 or just after a <c>\n</c> (the state folder was edited or corrupted): the
    /// forwarder resumes at the start of the line the offset falls in, so that line is sent whole.
    /// </summary>
    CursorMisaligned,

    /// <summary>A file was truncated below the position being read.</summary>
    FileTruncated,

    /// <summary>A rolled file ended with an unterminated line, which is skipped.</summary>
    TornLine,

    /// <summary>
    /// The next line's <c>seq</c> jumps past the last one sent: lines are missing from the files (deleted by retention
    /// before they were shipped, or removed by hand). Counted in <see cref="AuditForwarderCounters.MissingLines"/>.
    /// </summary>
    LinesMissing,

    /// <summary>Reading the audit files (or writing the state folder) failed; the forwarder retries after a delay.</summary>
    FileError,
}
