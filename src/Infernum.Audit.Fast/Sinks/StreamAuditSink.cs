using System;
using System.IO;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>Writes audit lines to a caller-supplied stream; on a seekable stream a failed write is undone before it throws.</summary>
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

    public override void Write(ReadOnlySpan<byte> lines)
    {
        if (!_stream.CanSeek)
        {
            _stream.Write(lines);
            return;
        }

        long start = _stream.Position;
        try
        {
            _stream.Write(lines);
        }
        catch (Exception)
        {
            // Cut what the failed write left, so the retry neither duplicates nor tears a line.
            _stream.SetLength(start);
            _stream.Position = start;
            throw;
        }
    }

    public override void Flush() => _stream.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Flush();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }
}
