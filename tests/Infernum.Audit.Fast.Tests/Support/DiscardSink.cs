using System;
using System.Threading;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Counts bytes and lines, keeps nothing: the cheapest sink, for allocation and load tests.</summary>
internal sealed class DiscardSink : AuditSink
{
    private long _bytes;
    private long _lines;

    public long Bytes => Volatile.Read(ref _bytes);

    public long Lines => Volatile.Read(ref _lines);

    public override void Write(ReadOnlySpan<byte> lines)
    {
        Volatile.Write(ref _bytes, _bytes + lines.Length);
        Volatile.Write(ref _lines, _lines + lines.Count((byte)'\n'));
    }
}
