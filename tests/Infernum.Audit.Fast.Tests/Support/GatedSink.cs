using System;
using System.Threading;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Wraps a sink and stalls every write until the gate opens: a sink that cannot keep up.</summary>
internal sealed class GatedSink : AuditSink
{
    private readonly AuditSink _inner;
    private readonly ManualResetEventSlim _gate = new(false);

    public GatedSink(AuditSink inner) => _inner = inner;

    public void Open() => _gate.Set();

    public override void Write(ReadOnlySpan<byte> lines)
    {
        _gate.Wait();
        _inner.Write(lines);
    }

    public override void Flush() => _inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _gate.Dispose();
        }
    }
}
