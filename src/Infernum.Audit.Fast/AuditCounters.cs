namespace Infernum.Audit.Fast;

/// <summary>
/// A consistent snapshot of an <see cref="AuditLogger"/>'s counters: at every read,
/// <c>Offered == Written + Dropped + InFlight</c>.
/// </summary>
public readonly record struct AuditCounters
{
    /// <summary>
    /// Events offered while the logger was enabled: accepted (then written, in flight or unwritten) or refused
    /// (dropped for any reason). Named as <c>System.Threading.Channels</c> would: it counts what was offered, not
    /// what was taken.
    /// </summary>
    public long Offered { get; init; }

    /// <summary>The former name of <see cref="Offered"/>, which it always equals; it includes dropped events.</summary>
    [System.Obsolete("Counts dropped events too; use Offered. Removed in 1.0.")]
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public long Enqueued => Offered;

    /// <summary>Events the sink accepted.</summary>
    public long Written { get; init; }

    /// <summary>Events accepted into the buffer and not yet in the sink.</summary>
    public long InFlight { get; init; }

    /// <summary>Dropped because the buffer was full (<see cref="AuditDropReason.BufferFull"/>).</summary>
    public long DroppedBufferFull { get; init; }

    /// <summary>Dropped after waiting for room (<see cref="AuditDropReason.BlockTimeout"/>).</summary>
    public long DroppedBlockTimeout { get; init; }

    /// <summary>Refused under fail-closed (<see cref="AuditDropReason.Rejected"/>).</summary>
    public long DroppedRejected { get; init; }

    /// <summary>Too large (<see cref="AuditDropReason.Oversize"/>).</summary>
    public long DroppedOversize { get; init; }

    /// <summary>Logged after disposal (<see cref="AuditDropReason.Disposed"/>).</summary>
    public long DroppedDisposed { get; init; }

    /// <summary>Formatting threw (<see cref="AuditDropReason.FormatError"/>).</summary>
    public long DroppedFormatError { get; init; }

    /// <summary>Accepted, never written before the dispose timeout (<see cref="AuditDropReason.Unwritten"/>).</summary>
    public long DroppedUnwritten { get; init; }

    /// <summary>Refused or not written because every <c>seq</c> up to <see cref="long.MaxValue"/> was taken (<see cref="AuditDropReason.SequenceExhausted"/>).</summary>
    public long DroppedSequenceExhausted { get; init; }

    /// <summary>All dropped events.</summary>
    public long Dropped => DroppedBufferFull + DroppedBlockTimeout + DroppedRejected + DroppedOversize + DroppedDisposed + DroppedFormatError + DroppedUnwritten + DroppedSequenceExhausted;

    /// <summary>Sink calls that threw.</summary>
    public long WriteErrors { get; init; }

    /// <summary>
    /// Bytes of accepted lines waiting for the sink (each line not yet moved to the writer's pipe counted with room for
    /// its longest <c>seq</c>); credit that threads took and have not used is not counted. This is the quantity
    /// <see cref="AuditDeliveryOptions.MaxBufferedBytes"/> bounds: <see cref="AuditFullMode.FailClosed"/> and
    /// <see cref="AuditFullMode.Block"/> act only when it, with the lines being written at that moment, leaves no
    /// room for an event. 0 once the logger is disposed and drained.
    /// </summary>
    public long BufferedBytes { get; init; }

    /// <summary>
    /// The most bytes of accepted lines that have waited for the sink at once: the largest backlog the writer found
    /// after moving every published line into its pipe (checked on each of its passes, every few milliseconds), or
    /// <see cref="BufferedBytes"/> at this snapshot if larger. Drop records are not counted. Never above
    /// <see cref="AuditDeliveryOptions.MaxBufferedBytes"/>.
    /// </summary>
    public long BufferedBytesHighWater { get; init; }

    /// <summary>The count for one reason.</summary>
    public long DroppedFor(AuditDropReason reason) => reason switch
    {
        AuditDropReason.BufferFull => DroppedBufferFull,
        AuditDropReason.BlockTimeout => DroppedBlockTimeout,
        AuditDropReason.Rejected => DroppedRejected,
        AuditDropReason.Oversize => DroppedOversize,
        AuditDropReason.Disposed => DroppedDisposed,
        AuditDropReason.FormatError => DroppedFormatError,
        AuditDropReason.Unwritten => DroppedUnwritten,
        AuditDropReason.SequenceExhausted => DroppedSequenceExhausted,
        _ => 0,
    };
}
