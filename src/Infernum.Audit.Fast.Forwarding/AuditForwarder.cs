using System;
using System.IO;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Files;
using Infernum.Audit.Fast.Forwarding.Syslog;
using Infernum.Audit.Fast.Forwarding.Transport;

namespace Infernum.Audit.Fast.Forwarding;

/// <summary>
/// Ships an audit log to a syslog collector: reads the file (the file is the buffer) and its rolls in order, sends
/// each line as the MSG of an RFC 5424 message over TCP, TLS or RELP, and keeps a durable cursor just after the last
/// line the collector took. After an outage of the collector, or a restart of the forwarder, it resumes there: lines
/// are never dropped because the collector is slow or away; some may arrive twice, and their <c>seq</c> tells which.
/// </summary>
/// <remarks>
/// Run it with <see cref="RunAsync"/> (one call per instance); cancel the token to stop, which closes the connection
/// cleanly and saves the cursor. Everything runs on the caller's task; the logger's hot path is not involved.
/// </remarks>
public sealed class AuditForwarder : IDisposable
{
    private const int StubBytes = 512;
    private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_idleConfirm = TimeSpan.FromSeconds(1);

    // A connection that failed sooner than this with no line taken counts as refused, and is retried with backoff.
    private static readonly TimeSpan s_acceptedAfter = TimeSpan.FromSeconds(5);

    private readonly AuditForwarderOptions _options;
    private readonly SyslogMessageWriter _writer;
    private readonly AuditFileFollower _follower;
    private readonly ForwarderCursor _cursor;
    private readonly OversizeRecorder _oversize;
    private readonly ForwarderMetrics _metrics;
    private readonly byte[] _stub = new byte[StubBytes];

    // The line whose stub _stub holds (its end), so a retried append does not record it twice.
    private AuditFilePosition? _stubFor;
    private int _stubLength;

    // The cursor: just after the last line the collector took, and that line's seq.
    private AuditFilePosition? _committed;
    private long _committedSequence;
    private bool _cursorDirty;
    private DateTime _cursorSaved = DateTime.UtcNow;

    // Per file (by identity), the end of the furthest line sent: a line ending at or before it is a resend. Decided by
    // position, not seq, because seq starts over when a log is deleted and begun again. A handful of files at most.
    private readonly System.Collections.Generic.Dictionary<string, long> _sentEnds = new(StringComparer.Ordinal);

    // The seq of the last line sent for the first time, to notice a jump (lines missing from the files).
    private long _lastFreshSequence;
    private DateTime _newestRead = DateTime.MinValue;

    // Lines the collector took on the current connection: none before it fails means it refuses us (backoff).
    private long _takenOnConnection;
    private int _running;

    /// <summary>Checks the options, creates the state folder and reads the saved cursor.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is missing or inconsistent (see <see cref="AuditForwarderOptions.Validate"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="InvalidDataException">The state folder holds a cursor file this forwarder cannot read.</exception>
    public AuditForwarder(AuditForwarderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _writer = new SyslogMessageWriter(options.Facility, options.Severity, options.HostName, options.AppName, options.ProcId);
        _cursor = new ForwarderCursor(options.StateDirectory);
        _oversize = new OversizeRecorder(options.StateDirectory, Report);
        _follower = new AuditFileFollower(options.FilePath, Math.Max(1 << 20, 2 * options.MaxMessageBytes), Report);
        if (_cursor.Load() is { } saved)
        {
            _committed = saved.Position;
            _committedSequence = saved.Sequence;
            _lastFreshSequence = saved.Sequence;
            if (saved.Position.FileId is { } fileId)
            {
                _sentEnds[fileId] = saved.Position.Offset;
            }

            Counters.SetLastShippedSequence(saved.Sequence);
        }

        _metrics = new ForwarderMetrics(Counters);
    }

    /// <summary>Live counters: shipped, sent, resent, lag, reconnects, oversize lines.</summary>
    public AuditForwarderCounters Counters { get; } = new();

    /// <summary>Where oversize lines are recorded verbatim.</summary>
    public string OversizeRecordPath => _oversize.RecordPath;

    /// <summary>
    /// Forwards until <paramref name="cancellationToken"/> is cancelled, reconnecting with backoff after any failure;
    /// then closes cleanly (waiting up to 5 s for the collector's confirmation) and saves the cursor. The stop takes at
    /// most those 5 s (plus the cursor's save) even if the collector stopped reading: writes and waits still under way
    /// then are abandoned, and what the collector did not confirm is sent again next time.
    /// </summary>
    /// <returns>A task that completes once stopped; it does not fault because of the collector or the files.</returns>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("RunAsync was already called on this forwarder.");
        }

        TimeSpan delay = _options.MinReconnectDelay;
        System.Runtime.CompilerServices.StrongBox<string?> certificateProblem = new();

        // Stopping is soft first: a write under way finishes (a cut frame would spoil the clean close); only
        // after the close timeout are writes and waits abandoned.
        using CancellationTokenSource hardStop = new();
        using CancellationTokenRegistration soft = cancellationToken.Register(() => hardStop.CancelAfter(s_closeTimeout));
        try
        {
            bool positioned = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                RefreshNewestSequence();
                try
                {
                    if (!positioned)
                    {
                        _follower.Seek(_committed);
                        positioned = true;
                    }

                    if (!await WaitForLinesAsync(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    Report(new AuditForwarderReport(AuditForwarderReportKind.FileError, $"Reading {_options.FilePath} failed: {error.Message}", error));
                    if (!await DelayAsync(_options.MaxReconnectDelay, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                SyslogConnection connection;
                try
                {
                    certificateProblem.Value = null;
                    connection = await SyslogConnection.ConnectAsync(_options, _writer, certificateProblem, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception error)
                {
                    Counters.AddConnectFailure();
                    if (error is CollectorStalledException)
                    {
                        Counters.AddStall();
                        Report(new AuditForwarderReport(AuditForwarderReportKind.Stalled, error.Message + " Retrying with backoff.", error));
                    }
                    else if (error is AuthenticationException && certificateProblem.Value is { } problem)
                    {
                        Counters.AddCertificateRejection();
                        Report(new AuditForwarderReport(AuditForwarderReportKind.CertificateRejected, $"TLS to {_options.Host}:{_options.EffectivePort} refused: {problem}. Nothing was sent.", error));
                    }
                    else
                    {
                        string hint = error is AuthenticationException && _options.ClientCertificate is null
                            ? " The TLS handshake failed without a fault in the server certificate: the collector probably requires a client certificate, and none is configured (ClientCertificate)."
                            : "";
                        Report(new AuditForwarderReport(AuditForwarderReportKind.ConnectFailed, $"Connecting to {_options.Host}:{_options.EffectivePort} failed: {error.Message}.{hint}", error));
                    }

                    if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
                    continue;
                }

                Counters.AddConnection();
                _takenOnConnection = 0;
                long connectedAt = Environment.TickCount64;
                Exception? failure = null;
                Report(new AuditForwarderReport(AuditForwarderReportKind.Connected, $"Connected to {_options.Host}:{_options.EffectivePort} ({_options.Transport}).", null));
                await using (connection.ConfigureAwait(false))
                {
                    try
                    {
                        await PumpAsync(connection, cancellationToken, hardStop.Token).ConfigureAwait(false);
                    }
                    catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        Counters.AddDisconnect();
                        failure = error;
                    }
                    catch (OperationCanceledException)
                    {
                        // Stopping while the connection waited: close it cleanly if no frame was cut, so the
                        // collector confirms what it has; what it does not confirm is sent next time.
                        await TryCloseAsync(connection, hardStop.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        TakeProgress(connection);

                        // A long line cut off between its parts is read again from its start: its partial record goes.
                        AbandonOversize();
                    }
                }

                // Whatever the collector did not take is read and sent again.
                positioned = false;
                SaveCursor(force: false);
                if (failure is null)
                {
                    delay = _options.MinReconnectDelay;
                }
                else if (failure is CollectorStalledException)
                {
                    // A stuck collector accepts the next connection too and stalls it again: back off unless it took
                    // lines on this one, so a collector stuck for hours is not hammered.
                    Counters.AddStall();
                    Report(new AuditForwarderReport(AuditForwarderReportKind.Stalled, $"{_options.Host}:{_options.EffectivePort} ({_options.Transport}): {failure.Message} The connection is dropped; lines not confirmed will be sent again on the next one.", failure));
                    if (_takenOnConnection > 0)
                    {
                        delay = _options.MinReconnectDelay;
                    }
                    else
                    {
                        if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false))
                        {
                            break;
                        }

                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
                    }
                }
                else if (_takenOnConnection > 0 || Environment.TickCount64 - connectedAt >= (long)s_acceptedAfter.TotalMilliseconds)
                {
                    // The collector took lines, or kept the connection a while (TCP and TLS confirm lines late): a
                    // real outage, reconnect at once (connecting backs off if it fails).
                    delay = _options.MinReconnectDelay;
                    Report(new AuditForwarderReport(AuditForwarderReportKind.Disconnected, $"The connection to {_options.Host}:{_options.EffectivePort} failed: {failure.Message}. Lines not confirmed will be sent again.", failure));
                }
                else
                {
                    // Connected, but nothing was taken before it failed: the collector refuses us (a RELP error code,
                    // a TLS peer that wants a client certificate, a listener that resets). Reconnecting at once would
                    // spin; back off exactly as for a failed connect until lines are taken again.
                    Counters.AddCollectorRefusal();
                    Report(new AuditForwarderReport(AuditForwarderReportKind.CollectorRefused, RefusalMessage(failure, Environment.TickCount64 - connectedAt), failure));
                    if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
                }
            }
        }
        finally
        {
            SaveCursor(force: true);
        }
    }

    private string RefusalMessage(Exception failure, long connectedMilliseconds)
    {
        string message = $"{_options.Host}:{_options.EffectivePort} accepted the connection ({_options.Transport}) but took no line before it failed after {connectedMilliseconds} ms: {failure.Message}. Retrying with backoff.";
        // rsyslog's GnuTLS driver either resets or closes cleanly when it refuses a peer after the handshake, so both count.
        if (_options.Transport is SyslogTransport.Tls or SyslogTransport.RelpTls)
        {
            message += _options.ClientCertificate is null
                ? " A TLS collector that resets or closes the connection right after the handshake usually requires a client certificate, and none is configured (ClientCertificate)."
                : " A TLS collector that resets or closes the connection right after the handshake usually refused the client certificate (check that its CA trusts it and its name is permitted).";
        }

        return message;
    }

    /// <summary>Releases the files and the meter. Call after <see cref="RunAsync"/> has completed.</summary>
    public void Dispose()
    {
        _follower.Dispose();
        _oversize.Dispose();
        _metrics.Dispose();
    }

    private async Task PumpAsync(SyslogConnection connection, CancellationToken cancellationToken, CancellationToken hardStop)
    {
        DateTime idleSince = DateTime.MaxValue;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // Bounded by the hard stop too: a collector that stopped reading must not hold the stop.
                await connection.CloseAsync(s_closeTimeout, hardStop).ConfigureAwait(false);
                return;
            }

            if (connection.Broken.IsCompleted)
            {
                await connection.Broken.ConfigureAwait(false);
                throw new IOException("The collector closed the connection.");
            }

            FollowerReadKind kind = _follower.Read(out ReadOnlyMemory<byte> block, out AuditFilePosition start);
            if (kind == FollowerReadKind.Idle)
            {
                await connection.FlushAsync(hardStop).ConfigureAwait(false);
                TakeProgress(connection);
                SaveCursor(force: false);
                RefreshNewestSequence();
                DateTime now = DateTime.UtcNow;
                if (idleSince == DateTime.MaxValue)
                {
                    idleSince = now;
                }
                else if (now - idleSince >= s_idleConfirm && connection.HasUnconfirmed && _options.Transport is SyslogTransport.Tcp or SyslogTransport.Tls)
                {
                    // TCP and TLS confirm only by a clean close: do it while idle, reconnect when lines come.
                    await connection.CloseAsync(s_closeTimeout, hardStop).ConfigureAwait(false);
                    return;
                }

                await Task.WhenAny(Task.Delay(_options.PollInterval, cancellationToken), connection.Broken).ConfigureAwait(false);
                continue;
            }

            idleSince = DateTime.MaxValue;
            if (kind != FollowerReadKind.Lines)
            {
                await SendLongLinePartAsync(connection, kind, block, start, hardStop).ConfigureAwait(false);
                continue;
            }

            int consumed = 0;
            while (consumed < block.Length)
            {
                consumed = AppendLines(connection, block, start, consumed);
                if (consumed < block.Length)
                {
                    await connection.FlushAsync(hardStop).ConfigureAwait(false);
                    TakeProgress(connection);
                }
            }

            await connection.FlushAsync(hardStop).ConfigureAwait(false);
            TakeProgress(connection);
            SaveCursor(force: false);
            RefreshNewestSequence();
        }
    }

    // A line longer than the read buffer: recorded part by part; at its end a stub is sent in its place.
    private async Task SendLongLinePartAsync(SyslogConnection connection, FollowerReadKind kind, ReadOnlyMemory<byte> part, AuditFilePosition start, CancellationToken cancellationToken)
    {
        // Lines are sent whole, so any octet of a line sent before lies before the furthest end sent in its file.
        bool fresh = !WasSent(start.FileId, start.Offset);
        _oversize.Append(part.Span, record: fresh);
        if (kind != FollowerReadKind.LongLineEnd)
        {
            return;
        }

        int length = _oversize.Complete(_stub, out long sequence, out long bytes);
        if (fresh)
        {
            ReportOversize(sequence, bytes, start.FileId, start.Offset + part.Length);
        }

        LineMark mark = new(new AuditFilePosition(start.FileId, start.Offset + part.Length), sequence, 0);
        SyslogHeader header = _writer.Prepare(_stub.AsSpan(0, length));
        while (!connection.TryAppend(_stub.AsSpan(0, length), header, mark))
        {
            await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
            TakeProgress(connection);
        }

        CountSent(sequence, mark.End);
    }

    // Appends lines of the block from octet `from` until the connection is full; returns the octets consumed.
    private int AppendLines(SyslogConnection connection, ReadOnlyMemory<byte> memory, AuditFilePosition start, int from)
    {
        ReadOnlySpan<byte> block = memory.Span;
        long ticks = TimestampTicks(block[from..]);
        Counters.SetFirstReadTimestamp(ticks);
        int at = from;
        while (at < block.Length)
        {
            ReadOnlySpan<byte> rest = block[at..];
            int newline = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = rest[..newline];
            long sequence = JsonLineFields.Sequence(line);
            AuditFilePosition end = new(start.FileId, start.Offset + at + newline + 1);
            ReadOnlySpan<byte> message = line;
            SyslogHeader header = _writer.Prepare(line);
            if (header.MessageLength > _options.MaxMessageBytes)
            {
                message = Oversize(rest[..(newline + 1)], end, sequence);
                header = _writer.Prepare(message);
            }

            if (!connection.TryAppend(message, header, new LineMark(end, sequence, ticks)))
            {
                return at;
            }

            CountSent(sequence, end);
            at += newline + 1;
        }

        return at;
    }

    // Records an oversize line once (a retry of the same line reuses the stub) and returns the stub to send.
    private ReadOnlySpan<byte> Oversize(ReadOnlySpan<byte> lineWithNewline, AuditFilePosition end, long sequence)
    {
        if (_stubFor != end)
        {
            bool fresh = !WasSent(end.FileId, end.Offset - 1);
            _oversize.Append(lineWithNewline, record: fresh);
            _stubLength = _oversize.Complete(_stub, out _, out long bytes);
            _stubFor = end;
            if (fresh)
            {
                ReportOversize(sequence, bytes, end.FileId, end.Offset);
            }
        }

        return _stub.AsSpan(0, _stubLength);
    }

    private void ReportOversize(long sequence, long bytes, string? fileId, long endOffset)
    {
        Counters.AddOversize();
        Report(new AuditForwarderReport(AuditForwarderReportKind.Oversize,
            $"A line of {bytes} octets (seq {sequence}, ending in file {fileId} at {endOffset}) exceeds MaxMessageBytes ({_options.MaxMessageBytes}); it is recorded in {_oversize.RecordPath} and an audit_oversize stub is sent in its place.", null));
    }

    private void AbandonOversize()
    {
        try
        {
            _oversize.Abandon();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Report(new AuditForwarderReport(AuditForwarderReportKind.FileError, $"Cutting an unfinished record from {_oversize.RecordPath} failed: {error.Message}", error));
        }
    }

    private static async Task TryCloseAsync(SyslogConnection connection, CancellationToken hardStop)
    {
        if (!connection.CanClose)
        {
            return;
        }

        try
        {
            await connection.CloseAsync(s_closeTimeout, hardStop).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException or Relp.RelpProtocolException or InvalidOperationException)
        {
            // Not confirmed: the lines stay after the cursor and are sent again next time.
        }
    }

    private bool WasSent(string? fileId, long offset) =>
        fileId is not null && _sentEnds.TryGetValue(fileId, out long sentEnd) && offset < sentEnd;

    private void CountSent(long sequence, AuditFilePosition end)
    {
        bool resend = WasSent(end.FileId, end.Offset - 1);
        if (!resend)
        {
            // A jump forward between lines sent for the first time: lines are missing. A drop (seq starting over
            // in a new log) is not a gap.
            if (sequence > _lastFreshSequence + 1 && _lastFreshSequence > 0)
            {
                long missing = sequence - _lastFreshSequence - 1;
                Counters.AddMissing(missing);
                Report(new AuditForwarderReport(AuditForwarderReportKind.LinesMissing,
                    $"seq jumps from {_lastFreshSequence} to {sequence}: {missing} lines are not in the files (deleted before they were shipped?).", null));
            }

            if (sequence > 0)
            {
                _lastFreshSequence = sequence;
            }

            if (end.FileId is { } fileId)
            {
                if (_sentEnds.Count >= 64 && !_sentEnds.ContainsKey(fileId))
                {
                    // Files seen long ago are rolled away or deleted; their lines are not read again.
                    _sentEnds.Clear();
                }

                _sentEnds[fileId] = end.Offset;
            }
        }

        Counters.AddSent(1, resend ? 1 : 0);
    }

    private void TakeProgress(SyslogConnection connection)
    {
        if (!connection.TryTakeProgress(out LineMark mark, out long lines))
        {
            return;
        }

        _committed = mark.End;
        if (mark.Sequence > 0)
        {
            _committedSequence = mark.Sequence;
        }

        _cursorDirty = true;
        _takenOnConnection += lines;
        Counters.AddTaken(lines, mark.Sequence, mark.TimestampTicks);
    }

    private void SaveCursor(bool force)
    {
        if (!_cursorDirty || _committed is not { } position || (!force && DateTime.UtcNow - _cursorSaved < _options.CursorSaveInterval))
        {
            return;
        }

        try
        {
            _cursor.Save(position, _committedSequence);
            _cursorDirty = false;
            _cursorSaved = DateTime.UtcNow;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Report(new AuditForwarderReport(AuditForwarderReportKind.FileError, "Saving the cursor failed: " + error.Message, error));
        }
    }

    // Waits until the follower has lines to send (true), or the token is cancelled (false). Leaves the follower at the cursor.
    private async Task<bool> WaitForLinesAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            FollowerReadKind kind = _follower.Read(out _, out _);
            _follower.Unread();
            if (kind != FollowerReadKind.Idle)
            {
                return true;
            }

            RefreshNewestSequence();
            if (!await DelayAsync(_options.PollInterval, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return false;
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // The seq of the newest complete line in the active file, for the lag; at most every poll interval.
    private void RefreshNewestSequence()
    {
        DateTime now = DateTime.UtcNow;
        if (now - _newestRead < _options.PollInterval)
        {
            return;
        }

        _newestRead = now;
        try
        {
            using FileStream file = new(_follower.Files.ActivePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            long length = file.Length;
            if (length == 0)
            {
                return;
            }

            int size = (int)Math.Min(length, 16 * 1024);
            byte[] tail = new byte[size];
            file.Position = length - size;
            file.ReadExactly(tail);
            ReadOnlySpan<byte> text = tail;
            int end = text.LastIndexOf((byte)'\n');
            if (end < 0)
            {
                return;
            }

            int begin = text[..end].LastIndexOf((byte)'\n') + 1;
            long sequence = JsonLineFields.Sequence(text[begin..end]);
            if (sequence > 0)
            {
                Counters.SetNewestSequence(sequence);
            }
        }
        catch (IOException)
        {
            // Missing or mid-roll: the next poll reads it.
        }
    }

    // The UTC ticks of the block's first line's timestamp (a bound for every line of the block), or 0.
    private static long TimestampTicks(ReadOnlySpan<byte> block)
    {
        ReadOnlySpan<byte> value = JsonLineFields.StringValue(block[..Math.Min(block.Length, 128)], "\"timestamp\":\""u8);
        return System.Buffers.Text.Utf8Parser.TryParse(value, out DateTimeOffset time, out _, 'O') ? time.UtcTicks : 0;
    }

    private void Report(AuditForwarderReport report)
    {
        try
        {
            _options.OnReport?.Invoke(report);
        }
        catch (Exception)
        {
            // A faulty callback changes nothing.
        }
    }
}
