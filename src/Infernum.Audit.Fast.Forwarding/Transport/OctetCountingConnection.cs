using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Syslog;

namespace Infernum.Audit.Fast.Forwarding.Transport;

/// <summary>
/// Syslog over TCP (RFC 6587) or TLS (RFC 5425): octet-counted frames, no acknowledgement. A line counts as taken
/// once <see cref="AuditForwarderOptions.ResendWindowBytes"/> more octets were sent after it, or when a clean close
/// confirms the collector read everything (it closed its side after our FIN, or TLS close_notify and FIN).
/// </summary>
internal sealed class OctetCountingConnection : SyslogConnection
{
    /// <summary>Octets gathered before one write to the socket.</summary>
    public const int BatchBytes = 256 * 1024;

    private readonly SyslogMessageWriter _writer;
    private readonly long _resendWindow;
    private readonly byte[] _batch;
    private readonly Queue<(long SentBytes, LineMark Mark, long Lines)> _unconfirmed = new();
    private readonly TaskCompletionSource _peerClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _batchLength;
    private long _batchLines;
    private LineMark _batchMark;
    private long _sentBytes;

    public OctetCountingConnection(Socket socket, System.IO.Stream stream, SyslogMessageWriter writer, AuditForwarderOptions options)
        : base(socket, stream, options.SendTimeout)
    {
        _writer = writer;
        _resendWindow = options.ResendWindowBytes;
        _batch = new byte[BatchBytes + options.MaxMessageBytes + SyslogMessageWriter.MaxLengthPrefixBytes];
    }

    public override bool HasUnconfirmed => _unconfirmed.Count > 0 || _batchLength > 0;

    public override bool TryAppend(ReadOnlySpan<byte> line, in SyslogHeader header, in LineMark mark)
    {
        if (_batchLength >= BatchBytes)
        {
            return false;
        }

        int written = _writer.WriteOctetCountedFrame(line, header, _batch.AsSpan(_batchLength));
        if (written < 0)
        {
            return false;
        }

        _batchLength += written;
        _batchLines++;
        _batchMark = mark;
        return true;
    }

    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_batchLength == 0)
        {
            return;
        }

        await WriteAsync(_batch.AsMemory(0, _batchLength), cancellationToken).ConfigureAwait(false);
        _sentBytes += _batchLength;
        _unconfirmed.Enqueue((_sentBytes, _batchMark, _batchLines));
        _batchLength = 0;
        _batchLines = 0;
        while (_unconfirmed.Count > 0 && _unconfirmed.Peek().SentBytes + _resendWindow <= _sentBytes)
        {
            (_, LineMark mark, long lines) = _unconfirmed.Dequeue();
            ReportTaken(mark, lines);
        }
    }

    public override async ValueTask CloseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (Stream is SslStream tls)
        {
            await ShutdownTlsAsync(tls, cancellationToken).ConfigureAwait(false);
        }

        ShutdownSend();

        // The collector closes its side once it has read our FIN, that is everything before it. One that reads
        // nothing for the timeout has stopped reading (or never will): a stall, and everything unconfirmed is sent
        // again. One still reading, however slowly, is waited for (a stop bounds the wait through the token).
        if (!await CompletesWhileTheCollectorReadsAsync(_peerClosed.Task, cancellationToken, timeout).ConfigureAwait(false))
        {
            throw new CollectorStalledException($"The collector did not read to the end and close: it read nothing for {timeout.TotalSeconds} s after the forwarder's close, it holds the connection but stopped reading.", new TimeoutException());
        }

        await _peerClosed.Task.ConfigureAwait(false);

        while (_unconfirmed.Count > 0)
        {
            (_, LineMark mark, long lines) = _unconfirmed.Dequeue();
            ReportTaken(mark, lines);
        }
    }

    protected override Task OpenAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    // The collector sends nothing on a syslog connection: a read that completes means it closed or failed.
    private async Task ReceiveLoopAsync()
    {
        byte[] scratch = new byte[256];
        try
        {
            while (await Stream.ReadAsync(scratch).ConfigureAwait(false) > 0)
            {
            }

            _peerClosed.TrySetResult();
            SetBroken(null);
        }
        catch (Exception error)
        {
            _peerClosed.TrySetException(error);
            SetBroken(error);
        }
    }
}
