using System.Runtime.InteropServices;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// The writer thread's counters, alone on their cache lines so that its updates do not evict the producers' fields.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class WriterProgress
{
    [FieldOffset(64)]
    public long WrittenBytes;

    [FieldOffset(72)]
    public long WrittenEvents;

    [FieldOffset(80)]
    public long WriteErrors;

    /// <summary>Accepted lines that found no <c>seq</c> left (counted as <see cref="AuditDropReason.SequenceExhausted"/>).</summary>
    [FieldOffset(88)]
    public long UnnumberedLines;
}
