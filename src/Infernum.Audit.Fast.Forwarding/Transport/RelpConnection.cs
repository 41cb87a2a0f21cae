using System;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Relp;
using Infernum.Audit.Fast.Forwarding.Syslog;

namespace Infernum.Audit.Fast.Forwarding.Transport;

/// <summary>
/// RELP client: <c>open</c> with the offers <c>relp_version=0</c> and <c>commands=syslog</c>, one <c>syslog</c> command
/// per line, and a line is taken when the server answers its transaction number with <c>rsp 200</c>. At most
/// <see cref="AuditForwarderOptions.RelpWindow"/> commands wait for their answer. Any other answer, a
/// <c>serverclose</c>, or silence past <see cref="AuditForwarderOptions.AckTimeout"/> ends the connection, and the
/// unanswered lines are sent again on the next one.
/// </summary>
internal sealed class RelpConnection : SyslogConnection
{
    private const int BatchBytes = 256 * 1024;

    private static readonly byte[] s_offers = Encoding.ASCII.GetBytes("relp_version=0\nrelp_software=infernum-audit,0.1.0,https://github.com/infernum\ncommands=syslog");

    private readonly SyslogMessageWriter _writer;
    private readonly TimeSpan _ackTimeout;
    private readonly byte[] _batch;
    private readonly SemaphoreSlim _answered = new(0);
    private readonly Lock _windowLock = new();

    // The window: commands sent (or batched) and not answered, oldest at _head, with when each was appended
    // (Environment.TickCount64, ms) so the oldest one's age can be held against the AckTimeout. Guarded by _windowLock.
    private readonly (int Txnr, LineMark Mark, bool Answered, long AppendedAt)[] _window;
    private int _head;
    private int _count;

    private readonly TaskCompletionSource<int> _openAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closeAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Transaction 1 is the open; syslog commands start at 2.
    private int _nextTxnr = 2;
    private int _closeTxnr = -1;
    private int _batchLength;
    private volatile Exception? _failure;

    public RelpConnection(Socket socket, System.IO.Stream stream, SyslogMessageWriter writer, AuditForwarderOptions options)
        : base(socket, stream, options.SendTimeout)
    {
        _writer = writer;
        _ackTimeout = options.AckTimeout;
        _window = new (int, LineMark, bool, long)[options.RelpWindow];
        _batch = new byte[BatchBytes + options.MaxMessageBytes + RelpFrame.MaxOverhead];
    }

    public override bool HasUnconfirmed
    {
        get
        {
            lock (_windowLock)
            {
                return _count > 0;
            }
        }
    }

    public override bool TryAppend(ReadOnlySpan<byte> line, in SyslogHeader header, in LineMark mark)
    {
        lock (_windowLock)
        {
            if (_count == _window.Length)
            {
                return false;
            }
        }

        if (_batchLength >= BatchBytes)
        {
            return false;
        }

        int length = header.MessageLength;
        Span<byte> destination = _batch.AsSpan(_batchLength);
        if (length + RelpFrame.MaxOverhead > destination.Length)
        {
            return false;
        }

        int txnr = _nextTxnr;
        int at = RelpFrame.WriteHead(txnr, "syslog"u8, length, destination);
        at += _writer.WriteMessage(line, header, destination[at..]);
        destination[at++] = (byte)'\n';
        _batchLength += at;
        _nextTxnr = RelpFrame.Next(txnr);
        lock (_windowLock)
        {
            _window[(_head + _count) % _window.Length] = (txnr, mark, false, Environment.TickCount64);
            _count++;
        }

        return true;
    }

    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        if (_batchLength > 0)
        {
            await WriteAsync(_batch.AsMemory(0, _batchLength), cancellationToken).ConfigureAwait(false);
            _batchLength = 0;
        }

        // Called at every poll while idle too, so a server that never answers is caught whether or not the window
        // is full: the oldest unanswered command may wait at most the AckTimeout.
        ThrowIfOverdue();
        while (WindowFull())
        {
            if (!await _answered.WaitAsync(OldestWaitLeft(), cancellationToken).ConfigureAwait(false))
            {
                ThrowIfOverdue();
            }

            ThrowIfFailed();
        }
    }

    public override async ValueTask CloseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        DateTime deadline = DateTime.UtcNow + timeout;
        while (HasUnconfirmed)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _answered.WaitAsync(left, cancellationToken).ConfigureAwait(false))
            {
                throw new TimeoutException("The RELP server did not answer every command before the close.");
            }

            ThrowIfFailed();
        }

        byte[] close = new byte[32];
        _closeTxnr = _nextTxnr;
        int length = RelpFrame.Write(_closeTxnr, "close"u8, ReadOnlySpan<byte>.Empty, close);
        await WriteAsync(close.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        await _closeAnswer.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        byte[] open = new byte[RelpFrame.MaxOverhead + s_offers.Length];
        int length = RelpFrame.Write(1, "open"u8, s_offers, open);
        _ = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        await WriteAsync(open.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        int code = await _openAnswer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (code != 200)
        {
            throw new RelpProtocolException($"The RELP server refused the session (code {code}).");
        }
    }

    // How long the oldest unanswered command may still wait (zero when overdue; the AckTimeout when none waits).
    private TimeSpan OldestWaitLeft()
    {
        lock (_windowLock)
        {
            if (_count == 0)
            {
                return _ackTimeout;
            }

            long left = (long)_ackTimeout.TotalMilliseconds - (Environment.TickCount64 - _window[_head].AppendedAt);
            return TimeSpan.FromMilliseconds(Math.Max(0, left));
        }
    }

    private void ThrowIfOverdue()
    {
        if (OldestWaitLeft() == TimeSpan.Zero && HasUnconfirmed)
        {
            int txnr;
            lock (_windowLock)
            {
                txnr = _window[_head].Txnr;
            }

            throw new CollectorStalledException($"The RELP server did not answer transaction {txnr} within the AckTimeout ({_ackTimeout.TotalSeconds} s).");
        }
    }

    private bool WindowFull()
    {
        lock (_windowLock)
        {
            return _count == _window.Length;
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new System.IO.IOException("The RELP connection failed: " + failure.Message, failure);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = new byte[RelpFrame.MaxResponseDataLength + RelpFrame.MaxOverhead];
        int filled = 0;
        try
        {
            while (true)
            {
                int read = await Stream.ReadAsync(buffer.AsMemory(filled)).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new System.IO.EndOfStreamException("The RELP server closed the connection.");
                }

                filled += read;
                int consumed = 0;
                while (RelpFrame.TryParse(buffer.AsSpan(consumed, filled - consumed), out int txnr, out ReadOnlySpan<byte> command, out ReadOnlySpan<byte> data, out int length))
                {
                    consumed += length;
                    Handle(txnr, command, data);
                }

                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
                _answered.Release();
            }
        }
        catch (Exception error)
        {
            _failure = error;
            _openAnswer.TrySetException(error);
            _closeAnswer.TrySetException(error);
            _answered.Release();
            SetBroken(error);
        }
    }

    private void Handle(int txnr, ReadOnlySpan<byte> command, ReadOnlySpan<byte> data)
    {
        if (command.SequenceEqual("serverclose"u8))
        {
            throw new System.IO.EndOfStreamException("The RELP server announced it is closing (serverclose).");
        }

        if (!command.SequenceEqual("rsp"u8))
        {
            throw new RelpProtocolException("Unexpected RELP command from the server: " + Encoding.ASCII.GetString(command));
        }

        int code = RelpFrame.ResponseCode(data);
        if (!_openAnswer.Task.IsCompleted)
        {
            _openAnswer.TrySetResult(txnr == 1 ? code : -1);
            return;
        }

        if (txnr == _closeTxnr)
        {
            _closeAnswer.TrySetResult();
            return;
        }

        if (code != 200)
        {
            throw new RelpProtocolException($"The RELP server refused transaction {txnr}: {Encoding.UTF8.GetString(data)}");
        }

        long taken = 0;
        LineMark newest = default;
        lock (_windowLock)
        {
            bool found = false;
            for (int i = 0; i < _count; i++)
            {
                ref (int Txnr, LineMark Mark, bool Answered, long AppendedAt) entry = ref _window[(_head + i) % _window.Length];
                if (entry.Txnr == txnr)
                {
                    entry.Answered = true;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                throw new RelpProtocolException($"The RELP server answered transaction {txnr}, which is not outstanding.");
            }

            while (_count > 0 && _window[_head].Answered)
            {
                newest = _window[_head].Mark;
                _head = (_head + 1) % _window.Length;
                _count--;
                taken++;
            }
        }

        if (taken > 0)
        {
            ReportTaken(newest, taken);
        }
    }
}
