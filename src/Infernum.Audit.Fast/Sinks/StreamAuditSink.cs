using System;
using System.IO;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>Writes audit lines to a caller-supplied stream; on a seekable stream a failed write is undone before it throws.</summary>
/// <remarks>
/// Each <see cref="Write"/> also flushes the stream: a stream with its own buffer (a <see cref="BufferedStream"/>, a
/// buffered <see cref="FileStream"/>) accepts bytes it cannot deliver yet, and only its flush tells whether the
/// destination took them, so lines count as written only once they are past the stream's buffer.
/// </remarks>
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
            _stream.Flush();
            return;
        }

        long start = _stream.Position;
        try
        {
            _stream.Write(lines);
            _stream.Flush();
        }
        catch (Exception)
        {
            // Cut what the failed write left, so the retry neither duplicates nor tears a line.
            try
            {
                _stream.SetLength(start);
                _stream.Position = start;
            }
            catch (IOException)
            {
                // The stream is unreachable; what it holds is beyond this sink's reach.
            }

            throw;
        }
    }

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
