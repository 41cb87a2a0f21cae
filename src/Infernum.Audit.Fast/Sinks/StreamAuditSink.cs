using System;
using System.IO;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>Writes audit lines to a caller-supplied stream.</summary>
internal sealed class StreamAuditSink : AuditSink
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;

    public StreamAuditSink(Stream stream, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The audit stream must be writable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    public override void Write(ReadOnlySpan<byte> lines) => _stream.Write(lines);

    public override void Flush() => _stream.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
