using System;
using System.IO;
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
    public static AuditSink ToFile(string path) => new FileAuditSink(path);

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
