using Infernum.Audit.Fast.Forwarding.Files;

namespace Infernum.Audit.Fast.Forwarding.Transport;

/// <summary>What the forwarder needs to know once a line is taken: where it ends, its <c>seq</c>, when it was written.</summary>
/// <param name="End">The file position just after the line.</param>
/// <param name="Sequence">The line's <c>seq</c>, or -1.</param>
/// <param name="TimestampTicks">UTC ticks of a timestamp at or before the line's own, or 0.</param>
internal readonly record struct LineMark(AuditFilePosition End, long Sequence, long TimestampTicks);
