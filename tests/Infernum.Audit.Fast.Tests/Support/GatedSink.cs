using System;
using System.Threading;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Wraps a sink and stalls every write until the gate opens: a sink that cannot keep up.</summary>
internal sealed class GatedSink : AuditSink
{
    private readonly AuditSink _inner;
    private readonly ManualResetEventSlim _gate = new(false);
    private int _entered;

    public GatedSink(AuditSink inner) => _inner = inner;

    public void Open() => _gate.Set();

    /// <summary>Whether the writer has reached the gate: from then on it moves nothing until the gate opens.</summary>
    public bool Entered => Volatile.Read(ref _entered) != 0;

    public override void Write(ReadOnlySpan<byte> lines)
    {
        Volatile.Write(ref _entered, 1);
        _gate.Wait();
        _inner.Write(lines);
    }

    public override void Flush() => _inner.Flush();

    public override long LastSequenceNumber => _inner.LastSequenceNumber;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _gate.Dispose();
        }
    }
}
