using System;
using System.Buffers;
using System.IO.Pipelines;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>Copies audit lines into a user-supplied <see cref="PipeWriter"/>, flushing it after each batch.</summary>
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

    public override void Write(ReadOnlySpan<byte> lines) => _writer.Write(lines);

    // The writer thread may block here: backpressure from the reader of the user's pipe reaches the audit buffer's bound.
    public override void Flush() => _writer.FlushAsync().AsTask().GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _complete)
        {
            _writer.Complete();
        }
    }
}
