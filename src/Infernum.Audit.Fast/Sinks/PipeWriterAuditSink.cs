using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>Copies audit lines into a user-supplied <see cref="PipeWriter"/> and flushes it after each write.</summary>
/// <remarks>
/// The flush is part of <see cref="Write"/>, not of <see cref="AuditSink.Flush"/>: only the flush tells whether the pipe's reader
/// is still there (<see cref="FlushResult.IsCompleted"/>), and lines handed to a reader that completed are lost, so
/// that write must fail (and be retried, or counted unwritten at shutdown) rather than count as written.
/// </remarks>
internal sealed class PipeWriterAuditSink : AuditSink
{
    private readonly PipeWriter _writer;
    private readonly bool _complete;

    public PipeWriterAuditSink(PipeWriter writer, bool completeWhenDisposed)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _complete = completeWhenDisposed;
    }

    public override void Write(ReadOnlySpan<byte> lines)
    {
        _writer.Write(lines);

        // The writer thread may block here: backpressure from the reader of the user's pipe reaches the audit buffer's bound.
        FlushResult result = _writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        if (result.IsCompleted)
        {
            throw new IOException("The reader of the audit PipeWriter has completed; lines written to it would be lost.");
        }

        // A canceled flush (CancelPendingFlush) has still committed the lines to the pipe: they are written.
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _complete)
        {
            _writer.Complete();
        }
    }
}
