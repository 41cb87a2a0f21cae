using System.Runtime.InteropServices;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// Credit in use (granted to stages and not yet returned: the bytes of lines not yet written, plus what stages hold
/// unused; never above the bound) and the most bytes that have waited for the sink at once. Producers take credit a
/// chunk at a time and the writer returns it every pass, so it sits alone on its cache lines rather than beside fields
/// read on every event.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class CreditLedger
{
    [FieldOffset(64)]
    public long Credit;

    /// <summary>
    /// The most bytes of accepted lines moved into the pipe and not yet written, as the writer finds them after each
    /// pass over the stages (drop records, which take no credit, not counted). Written by the writer only.
    /// </summary>
    [FieldOffset(72)]
    public long HighWaterBytes;
}
