using System;
using System.Threading;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Counts lines, keeps nothing: the cheapest sink, for allocation and load tests.</summary>
internal sealed class DiscardSink : AuditSink
{
    private long _lines;

    public long Lines => Volatile.Read(ref _lines);

    public override void Write(ReadOnlySpan<byte> lines)
    {
        Volatile.Write(ref _lines, _lines + lines.Count((byte)'\n'));
    }
}
