using System;
using System.IO;
using System.IO.Pipelines;
using Infernum.Audit.Fast.Sinks;

namespace Infernum.Audit.Fast;

/// <summary>
/// Where an <see cref="AuditLogger"/>'s background writer puts the audit lines.
/// </summary>
/// <remarks>
/// <para>The contract of a custom sink:</para>
/// <list type="bullet">
/// <item><description><b>One thread.</b> <see cref="Write"/>, <see cref="Flush"/> and <see cref="Dispose()"/> are called
/// only from the logger's single writer thread, never from the threads that log events and never concurrently, so an
/// implementation needs no locking. <see cref="LastSequenceNumber"/> is read once, by the logger's constructor.</description></item>
/// <item><description><b>Whole lines.</b> Every <see cref="Write"/> receives one or more complete lines, each a UTF-8 JSON
/// object ending in <c>\n</c>, in <c>seq</c> order; a batch never ends inside a line. The span is valid only during the call.</description></item>
/// <item><description><b>A returning Write means written.</b> When <see cref="Write"/> returns, its lines count as
/// written (<see cref="AuditCounters.Written"/>). A sink that cannot tell yet whether they reached their destination
/// (a pipe, a socket) must find out inside <see cref="Write"/> — a destination whose reader is gone is a failure,
/// never a success.</description></item>
/// <item><description><b>A throwing Write leaves nothing behind, or remembers what it delivered.</b> An exception from
/// <see cref="Write"/> or <see cref="Flush"/> is a sink fault: counted in <see cref="AuditCounters.WriteErrors"/>,
/// reported through <see cref="AuditSinkHealth"/> and <see cref="AuditDeliveryOptions.OnSinkFault"/>, and the same
/// lines are retried with backoff: the next <see cref="Write"/> starts with the first line of the failed one (more
/// lines may follow it). So a throwing <see cref="Write"/> must either undo what it wrote of the batch (the file and
/// stream sinks truncate back to the last complete line), or remember how far it got and skip that part on the retry
/// (the <c>ILogger</c> bridge does this) — otherwise lines are duplicated or torn. Exceptions never reach the threads
/// that log.</description></item>
/// <item><description><b>Flush</b> is called after each batch of writes and at shutdown; a throwing
/// <see cref="Flush"/> is a fault like a throwing <see cref="Write"/>, but the batch's lines stay counted as written.</description></item>
/// <item><description><b>Blocking</b> in <see cref="Write"/> is backpressure: lines wait in the logger's bounded buffer
/// (<see cref="AuditDeliveryOptions.MaxBufferedBytes"/>), and the full mode decides what callers see.</description></item>
/// </list>
/// </remarks>
public abstract class AuditSink : IDisposable
{
    /// <summary>Writes a batch of complete UTF-8 JSON lines; see the class remarks for what a throwing call must leave behind.</summary>
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

    /// <summary>
    /// Creates a sink that appends to the file at <paramref name="path"/>, creating it and its folder if needed. See
    /// <see cref="ToFile(string, AuditFileOptions)"/> for locking, rotation by other programs and reopening.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="IOException">The file cannot be opened for appending, another logger (in this process or another) writes it (its locks still held after 1 s of waiting), or the path is a symbolic link.</exception>
    /// <exception cref="InvalidDataException">The file's last line has no readable <c>seq</c>.</exception>
    public static AuditSink ToFile(string path) => new FileAuditSink(path, null);

    /// <summary>
    /// Creates a sink that appends to the file at <paramref name="path"/> with rolling and fsync settings.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>One writer per file.</b> Opening takes an exclusive lock on <c>.{name}.lock</c> beside the file (<c>flock</c>
    /// on Unix, a share mode on Windows; a dot file, so logrotate's <c>*</c> patterns leave it alone; it stays after disposal): a second logger on the same path, in this process or
    /// another, fails here with <see cref="IOException"/> rather than interleaving a second sequence. On Linux the writer
    /// also holds an exclusive <c>fcntl</c> open-file-description lock on one byte far past the end of the audit file
    /// itself, so a second logger reaching the same file through another name (a hard link) fails too. Readers are not locked out.
    /// </para>
    /// <para>
    /// <b>Other programs may rotate the file.</b> Lines are appended in append mode (<c>O_APPEND</c> on Linux): a file
    /// truncated under the logger (logrotate <c>copytruncate</c>) gets the next line at its new end, with no hole of NUL
    /// bytes. Before each batch the sink checks that the path still names the file it holds (device and inode on
    /// Linux; elsewhere existence and length); a file renamed (logrotate with or without <c>create</c>) or deleted is
    /// followed by opening the file at the path again (and its folder, if that was deleted too), and <c>seq</c> continues there. With <c>copytruncate</c>, lines
    /// written between logrotate's copy and its truncation are lost by logrotate's design; prefer <c>create</c> or <c>nocreate</c>.
    /// A move to another filesystem (<c>mv</c> copies, then unlinks) has the same window: lines written after the copy
    /// began and before the unlink land in the unlinked file and are lost while counted written. Rotate within one filesystem.
    /// </para>
    /// <para>
    /// <b>Symbolic links at the path are refused.</b> The last component of <paramref name="path"/> must not be a
    /// symbolic link, at open or after a rotation: another program could otherwise point the audit stream into a file
    /// of its choosing. At open that is an <see cref="IOException"/>; later, a sink fault (reported, retried, the lines
    /// kept within the buffer) until a regular file or nothing is at the path. Links among the folders are followed.
    /// </para>
    /// <para>
    /// <b>Reopening</b> cuts an unterminated last line left by a crash and continues after the highest <c>seq</c> found
    /// at the end of the file and of every rotated file beside it: its own rolls (<c>audit.N.jsonl</c>), logrotate's
    /// <c>audit.jsonl.N</c> and <c>dateext</c> names (<c>audit.jsonl-…</c>), and the newest <c>.gz</c> of logrotate's
    /// <c>compress</c>; files that logrotate's <c>olddir</c> moved are found only when
    /// <see cref="AuditFileOptions.RotatedFolder"/> names that folder. Each file is read back from its end past blank
    /// lines and JSON objects without a top-level <c>seq</c> (another program's line), to the last line that has one;
    /// a line that is not valid JSON (RFC 8259) before it is reported, not guessed around.
    /// </para>
    /// </remarks>
    /// <param name="path">The file's path.</param>
    /// <param name="options">Rolling and fsync settings.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="IOException">The file cannot be opened, another logger (in this process or another) writes it, or the path is a symbolic link.</exception>
    /// <exception cref="InvalidDataException">
    /// The last line of the file (or of its newest rotated file) is not a JSON object, or its <c>seq</c> is not an integer
    /// from 0 to 2^63−1: the logger would repeat numbers, so it refuses to guess.
    /// </exception>
    public static AuditSink ToFile(string path, AuditFileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new FileAuditSink(path, options);
    }

    /// <summary>
    /// Creates a sink that writes to the process's standard output (left open on disposal). On Unix, when standard
    /// output is a pipe whose reader has closed it (<c>app | head -c 500</c>), writes fail (<c>EPIPE</c>) and are
    /// counted as write errors and retried, never counted as written.
    /// </summary>
    public static AuditSink ToStandardOutput() => new StreamAuditSink(StandardOutput.Open(), leaveOpen: true);

    /// <summary>
    /// Creates a sink that copies lines into <paramref name="writer"/> and flushes it after each write. When the pipe's
    /// reader has completed, the write fails (a sink fault: counted, retried, and at shutdown counted unwritten) instead
    /// of counting lines that went nowhere as written.
    /// </summary>
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
