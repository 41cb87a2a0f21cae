using System;
using System.IO;
using System.IO.Pipelines;
using Infernum.Audit.Fast.Sinks;

namespace Infernum.Audit.Fast;

/// <summary>
/// Where an <see cref="AuditLogger"/>'s background writer puts the audit lines.
/// </summary>
/// <remarks>
/// A sink is called only from the logger's single writer thread, never from the threads that log events,
/// so an implementation needs no locking. Every <see cref="Write"/> receives one or more complete lines,
/// each ending in <c>\n</c>, in the order they were logged.
/// </remarks>
public abstract class AuditSink : IDisposable
{
    /// <summary>Writes a batch of complete UTF-8 JSON lines.</summary>
    /// <param name="lines">One or more lines, each ending with <c>\n</c>. Valid only during the call.</param>
    public abstract void Write(ReadOnlySpan<byte> lines);

    /// <summary>Pushes written lines to their destination; called after each batch and at shutdown.</summary>
    public virtual void Flush()
    {
    }

    /// <summary>
    /// The <c>seq</c> of the last complete line already at the destination (0 if none), read when the sink opened it:
    /// a logger continues after it, so a reopened file keeps one gap-free sequence.
    /// </summary>
    public virtual long LastSequenceNumber => 0;

    /// <summary>Creates a sink that writes to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave the stream open when the sink is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static AuditSink ToStream(Stream stream, bool leaveOpen = false) => new StreamAuditSink(stream, leaveOpen);

    /// <summary>Creates a sink that appends to the file at <paramref name="path"/>, creating it and its folder if needed.</summary>
    /// <param name="path">The file's path.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="IOException">The file cannot be opened for appending.</exception>
    public static AuditSink ToFile(string path) => new FileAuditSink(path, null);

    /// <summary>
    /// Creates a sink that appends to the file at <paramref name="path"/> with rolling and fsync settings.
    /// Opening cuts an unterminated last line left by a crash, and the logger continues after the last line's <c>seq</c>.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <param name="options">Rolling and fsync settings.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static AuditSink ToFile(string path, AuditFileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new FileAuditSink(path, options);
    }

    /// <summary>Creates a sink that writes to the process's standard output (left open on disposal).</summary>
    public static AuditSink ToStandardOutput() => new StreamAuditSink(Console.OpenStandardOutput(), leaveOpen: true);

    /// <summary>Creates a sink that copies lines into <paramref name="writer"/> and flushes it after each batch.</summary>
    /// <param name="writer">The destination; the writer thread waits on its backpressure.</param>
    /// <param name="completeWhenDisposed"><see langword="true"/> to complete <paramref name="writer"/> when the sink is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is <see langword="null"/>.</exception>
    public static AuditSink ToPipeWriter(PipeWriter writer, bool completeWhenDisposed = false) => new PipeWriterAuditSink(writer, completeWhenDisposed);

    /// <summary>Releases the sink's resources.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the sink's resources.</summary>
    /// <param name="disposing"><see langword="true"/> when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
