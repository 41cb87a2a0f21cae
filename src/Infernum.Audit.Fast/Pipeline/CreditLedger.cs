using System.Runtime.InteropServices;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// Credit in use (granted to stages and not yet returned: the bytes of lines not yet written, plus what stages hold
/// unused; never above the bound) and the most it has been. Producers take it a chunk at a time and the writer returns
/// it every pass, so it sits alone on its cache lines rather than beside fields read on every event.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class CreditLedger
{
    [FieldOffset(64)]
    public long Credit;

    [FieldOffset(72)]
    public long HighWaterBytes;
}
