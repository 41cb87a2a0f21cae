using System.Threading;

namespace Infernum.Audit.Fast.Forwarding;

/// <summary>
/// Live counts of one forwarder, safe to read from any thread (each value is read atomically; values are not a
/// snapshot of one instant). Also published as metrics of the meter <c>Infernum.Audit.Fast.Forwarding</c>.
/// </summary>
public sealed class AuditForwarderCounters
{
    private long _sent;
    private long _resent;
    private long _taken;
    private long _lastTakenSequence;
    private long _newestSequence;
    private long _lastTakenTimestampTicks;
    private long _firstReadTimestampTicks;
    private long _connections;
    private long _connectFailures;
    private long _certificateRejections;
    private long _disconnects;
    private long _collectorRefusals;
    private long _stalls;
    private long _oversize;
    private long _missing;

    /// <summary>Messages written to a connection, resends included.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Messages written again after a disconnect or restart (lines whose <c>seq</c> had been sent before).</summary>
    public long Resent => Volatile.Read(ref _resent);

    /// <summary>
    /// Lines the collector has taken ("shipped"): acknowledged (RELP), or sent and followed by a full resend window or a
    /// clean close (TCP, TLS). Counted since this forwarder started.
    /// </summary>
    public long Shipped => Volatile.Read(ref _taken);

    /// <summary>The <c>seq</c> of the last line the collector has taken; 0 before any.</summary>
    public long LastShippedSequence => Volatile.Read(ref _lastTakenSequence);

    /// <summary>The <c>seq</c> of the newest complete line in the active file, read at most every poll interval.</summary>
    public long NewestSequence => Volatile.Read(ref _newestSequence);

    /// <summary>Lines written to the file and not yet taken by the collector (by <c>seq</c>; 0 for files without it).</summary>
    public long LagLines
    {
        get
        {
            long lag = NewestSequence - LastShippedSequence;
            return lag > 0 ? lag : 0;
        }
    }

    /// <summary>
    /// While <see cref="LagLines"/> is positive: seconds since the timestamp of the last line the collector took (before
    /// any, of the first line read), an upper bound of how old the oldest waiting line is; 0 otherwise.
    /// </summary>
    public double LagSeconds
    {
        get
        {
            long ticks = Volatile.Read(ref _lastTakenTimestampTicks);
            if (ticks == 0)
            {
                ticks = Volatile.Read(ref _firstReadTimestampTicks);
            }

            if (LagLines == 0 || ticks == 0)
            {
                return 0;
            }

            double seconds = (System.DateTime.UtcNow.Ticks - ticks) / (double)System.TimeSpan.TicksPerSecond;
            return seconds > 0 ? seconds : 0;
        }
    }

    /// <summary>Connections made to the collector.</summary>
    public long Connections => Volatile.Read(ref _connections);

    /// <summary>Connections made after the first: one per recovery from an outage.</summary>
    public long Reconnects
    {
        get
        {
            long connections = Connections;
            return connections > 1 ? connections - 1 : 0;
        }
    }

    /// <summary>Attempts to connect that failed (certificate rejections included).</summary>
    public long ConnectFailures => Volatile.Read(ref _connectFailures);

    /// <summary>TLS handshakes refused because of the server certificate.</summary>
    public long CertificateRejections => Volatile.Read(ref _certificateRejections);

    /// <summary>Connections that failed before the collector took any line (see <see cref="AuditForwarderReportKind.CollectorRefused"/>); also counted in <see cref="Disconnects"/>.</summary>
    public long CollectorRefusals => Volatile.Read(ref _collectorRefusals);

    /// <summary>
    /// Connections given up because the collector stopped taking data (see <see cref="AuditForwarderReportKind.Stalled"/>);
    /// a stall after connecting is also counted in <see cref="Disconnects"/>, one during the handshake in <see cref="ConnectFailures"/>.
    /// </summary>
    public long Stalls => Volatile.Read(ref _stalls);

    /// <summary>Established connections that failed.</summary>
    public long Disconnects => Volatile.Read(ref _disconnects);

    /// <summary>Lines longer than <see cref="AuditForwarderOptions.MaxMessageBytes"/>, recorded locally and replaced by a stub.</summary>
    public long OversizeLines => Volatile.Read(ref _oversize);

    /// <summary>Lines missing from the files by <c>seq</c> (a jump in <c>seq</c> between consecutive lines read).</summary>
    public long MissingLines => Volatile.Read(ref _missing);

    internal void AddMissing(long lines) => Interlocked.Add(ref _missing, lines);

    internal void AddSent(long lines, long resent)
    {
        Interlocked.Add(ref _sent, lines);
        if (resent > 0)
        {
            Interlocked.Add(ref _resent, resent);
        }
    }

    internal void AddTaken(long lines, long lastSequence, long timestampTicks)
    {
        Interlocked.Add(ref _taken, lines);
        if (lastSequence > 0)
        {
            Volatile.Write(ref _lastTakenSequence, lastSequence);
        }

        if (timestampTicks > 0)
        {
            Volatile.Write(ref _lastTakenTimestampTicks, timestampTicks);
        }
    }

    internal void SetFirstReadTimestamp(long ticks)
    {
        if (Volatile.Read(ref _firstReadTimestampTicks) == 0)
        {
            Volatile.Write(ref _firstReadTimestampTicks, ticks);
        }
    }

    internal void SetNewestSequence(long sequence) => Volatile.Write(ref _newestSequence, sequence);

    internal void SetLastShippedSequence(long sequence) => Volatile.Write(ref _lastTakenSequence, sequence);

    internal void AddConnection() => Interlocked.Increment(ref _connections);

    internal void AddConnectFailure() => Interlocked.Increment(ref _connectFailures);

    internal void AddCertificateRejection() => Interlocked.Increment(ref _certificateRejections);

    internal void AddCollectorRefusal() => Interlocked.Increment(ref _collectorRefusals);

    internal void AddStall() => Interlocked.Increment(ref _stalls);

    internal void AddDisconnect() => Interlocked.Increment(ref _disconnects);

    internal void AddOversize() => Interlocked.Increment(ref _oversize);
}
