namespace Infernum.Audit.Fast;

/// <summary>A snapshot of an <see cref="AuditLogger"/>'s counters.</summary>
/// <param name="Enqueued">Events accepted into the buffer.</param>
/// <param name="Written">Events the sink accepted.</param>
/// <param name="Dropped">Events refused: buffer full past the wait, line too large, or logged after disposal.</param>
/// <param name="WriteErrors">Sink calls that threw.</param>
/// <param name="BufferedBytes">Bytes accepted but not yet in the sink.</param>
public readonly record struct AuditCounters(long Enqueued, long Written, long Dropped, long WriteErrors, long BufferedBytes);
