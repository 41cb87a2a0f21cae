using System;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Syslog;

namespace Infernum.Audit.Fast.Forwarding.Transport;

/// <summary>
/// One connection to the collector. The forwarder appends messages, flushes them, and asks which lines the
/// collector has taken; what counts as taken is the transport's business (a resend window for TCP and TLS,
/// acknowledgements for RELP). One sending caller; <see cref="Broken"/> completes when the peer goes away.
/// </summary>
internal abstract class SyslogConnection : IAsyncDisposable
{
    // The most handed to the stream in one write. The SendTimeout runs per slice: a collector that keeps reading, however
    // slowly, moves a slice within it; one that stopped reading moves none once the socket buffers are full.
    private const int SliceBytes = 64 * 1024;

    // getsockopt(IPPROTO_TCP, TCP_INFO) on Linux: struct tcp_info (include/uapi/linux/tcp.h), whose u64
    // tcpi_bytes_acked (Linux 4.1+) is at offset 120 and u32 tcpi_snd_wnd (Linux 6.2+) at offset 228.
    private const int IpProtoTcp = 6;
    private const int TcpInfoOption = 11;
    private const int TcpInfoBytes = 256;
    private const int TcpInfoBytesAckedOffset = 120;
    private const int TcpInfoSendWindowOffset = 228;

    private readonly Socket _socket;
    private readonly TimeSpan _sendTimeout;
    private readonly TaskCompletionSource _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _takenLines;
    private LineMark _takenMark;
    private bool _hasProgress;
    private readonly Lock _progressLock = new();

    // Set while a write is under way; stays set if it was cancelled midway.
    private bool _writing;

    protected SyslogConnection(Socket socket, System.IO.Stream stream, TimeSpan sendTimeout)
    {
        _socket = socket;
        Stream = stream;
        _sendTimeout = sendTimeout;
    }

    /// <summary>Completes when the connection has failed or the peer closed it (with the cause, if any).</summary>
    public Task Broken => _broken.Task;

    /// <summary>The byte stream: a <see cref="NetworkStream"/> or an <see cref="SslStream"/> over one.</summary>
    protected System.IO.Stream Stream { get; }

    /// <summary>Appends the message for <paramref name="line"/> (no <c>\n</c>, header from <see cref="SyslogMessageWriter.Prepare"/>); false when the batch or window is full: flush, then retry.</summary>
    public abstract bool TryAppend(ReadOnlySpan<byte> line, in SyslogHeader header, in LineMark mark);

    /// <summary>Sends what was appended; RELP also waits while its window is full.</summary>
    public abstract ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Closes cleanly: flushes, and confirms the collector took everything sent (RELP: every acknowledgement; TCP,
    /// TLS: the collector read to the end and closed its side). Throws if that cannot be confirmed.
    /// </summary>
    public abstract ValueTask CloseAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>False once a write was interrupted midway (a frame may be torn) or the peer went away: only disposal is left.</summary>
    public bool CanClose => !_writing && !_broken.Task.IsCompleted;

    /// <summary>True while messages were sent that are not yet taken.</summary>
    public abstract bool HasUnconfirmed { get; }

    /// <summary>Lines taken since the last call and the mark of the newest; false when none.</summary>
    public bool TryTakeProgress(out LineMark mark, out long lines)
    {
        lock (_progressLock)
        {
            mark = _takenMark;
            lines = _takenLines;
            bool any = _hasProgress;
            _hasProgress = false;
            _takenLines = 0;
            return any;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await Stream.DisposeAsync().ConfigureAwait(false);
        _broken.TrySetResult();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens a connection of the configured transport, TLS handshake and RELP open included.</summary>
    /// <exception cref="AuthenticationException">TLS: the server certificate was refused (see <paramref name="certificateProblem"/>).</exception>
    public static async Task<SyslogConnection> ConnectAsync(AuditForwarderOptions options, SyslogMessageWriter writer, System.Runtime.CompilerServices.StrongBox<string?> certificateProblem, CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

        // What was under way when the ConnectTimeout ran out: the TCP connect is a failure to connect; past it, the
        // collector accepted and stopped answering (a stall).
        string stage = "TCP connect";
        try
        {
            await socket.ConnectAsync(options.Host, options.EffectivePort, timeout.Token).ConfigureAwait(false);
            System.IO.Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (options.Transport is SyslogTransport.Tls or SyslogTransport.RelpTls)
            {
                stage = "TLS handshake";
                SslStream tls = new(stream, leaveInnerStreamOpen: false);
                try
                {
                    await tls.AuthenticateAsClientAsync(TlsOptions(options, certificateProblem), timeout.Token).ConfigureAwait(false);
                }
                catch
                {
                    await tls.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                stream = tls;
            }

            SyslogConnection connection = options.Transport is SyslogTransport.Relp or SyslogTransport.RelpTls
                ? new RelpConnection(socket, stream, writer, options)
                : new OctetCountingConnection(socket, stream, writer, options);
            try
            {
                if (connection is RelpConnection)
                {
                    stage = "RELP open";
                }

                await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return connection;
        }
        catch (OperationCanceledException error) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            string message = $"The {stage} with {options.Host}:{options.EffectivePort} did not complete within the ConnectTimeout ({options.ConnectTimeout.TotalSeconds} s)";
            if (stage == "TCP connect")
            {
                throw new TimeoutException(message + ".", error);
            }

            throw new CollectorStalledException(message + ": the collector accepted the connection and stopped answering.", error);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Anything the transport does after the socket (and TLS) is up; starts the receive loop.</summary>
    protected abstract Task OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes to the stream, in slices that must each leave within the SendTimeout, or, while they wait, see the
    /// collector read (<see cref="CollectorReadEdge"/>) within every SendTimeout; a write cancelled or timed
    /// out midway leaves the connection unable to close cleanly.
    /// </summary>
    /// <exception cref="CollectorStalledException">A slice made no progress within the SendTimeout.</exception>
    protected async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _writing = true;
        using CancellationTokenSource stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long total = data.Length;
        while (!data.IsEmpty)
        {
            ReadOnlyMemory<byte> slice = data[..Math.Min(SliceBytes, data.Length)];
            ValueTask write = Stream.WriteAsync(slice, stall.Token);
            if (!write.IsCompletedSuccessfully)
            {
                Task pending = write.AsTask();
                if (!await CompletesWhileTheCollectorReadsAsync(pending, cancellationToken).ConfigureAwait(false))
                {
                    await stall.CancelAsync().ConfigureAwait(false);
                    ObserveFault(pending);
                    throw Stalled($"{total - data.Length} of a write of {total} octets sent", new TimeoutException("The send made no progress within the SendTimeout."));
                }

                try
                {
                    await pending.ConfigureAwait(false);
                }
                catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Stalled($"{total - data.Length} of a write of {total} octets sent", error);
                }
            }

            data = data[slice.Length..];
        }

        _writing = false;
    }

    /// <summary>Sends TLS close_notify, bounded by the SendTimeout (SslStream's shutdown takes no token).</summary>
    /// <exception cref="CollectorStalledException">close_notify did not leave within the SendTimeout.</exception>
    protected async ValueTask ShutdownTlsAsync(SslStream tls, CancellationToken cancellationToken)
    {
        _writing = true;
        Task shutdown = tls.ShutdownAsync();
        bool done;
        try
        {
            done = await CompletesWhileTheCollectorReadsAsync(shutdown, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            ObserveFault(shutdown);
            throw;
        }

        if (!done)
        {
            // Still blocked in the socket: disposing the connection fails it; its fault is observed here.
            ObserveFault(shutdown);
            throw Stalled("TLS close_notify", new TimeoutException("close_notify did not leave within the SendTimeout."));
        }

        await shutdown.ConfigureAwait(false);
        _writing = false;
    }

    /// <summary>
    /// How far the collector's TCP lets this connection send: octets it acknowledged plus the receive window it
    /// advertises (Linux: <c>tcpi_bytes_acked</c> + <c>tcpi_snd_wnd</c> of <c>TCP_INFO</c>; the window only from
    /// Linux 6.2), or -1 where that cannot be read. It moves only when the collector reads: an acknowledgement of
    /// new octets while the buffers fill, a window update once the collector's process reads its receive buffer.
    /// </summary>
    protected long CollectorReadEdge()
    {
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }

        Span<byte> info = stackalloc byte[TcpInfoBytes];
        try
        {
            // Little-endian: the byte order of the hosts .NET runs on.
            int length = _socket.GetRawSocketOption(IpProtoTcp, TcpInfoOption, info);
            if (length < TcpInfoBytesAckedOffset + sizeof(long))
            {
                return -1;
            }

            long edge = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(info[TcpInfoBytesAckedOffset..]);
            if (length >= TcpInfoSendWindowOffset + sizeof(uint))
            {
                edge += System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(info[TcpInfoSendWindowOffset..]);
            }

            return edge;
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Waits for <paramref name="operation"/>; false once a whole <paramref name="period"/> (the SendTimeout when
    /// null) passed in which the collector read nothing (<see cref="CollectorReadEdge"/> did not move). A collector
    /// that reads slowly keeps the operation alive, even one whose reads wake a blocked sender only in steps longer
    /// than the period (Linux wakes it when a third of its send buffer is free). Where the edge cannot be read, the
    /// operation must complete within one period.
    /// </summary>
    protected async Task<bool> CompletesWhileTheCollectorReadsAsync(Task operation, CancellationToken cancellationToken, TimeSpan? period = null)
    {
        TimeSpan each = period ?? _sendTimeout;
        long edge = CollectorReadEdge();
        while (true)
        {
            try
            {
                await operation.WaitAsync(each, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                long now = CollectorReadEdge();
                if (edge < 0 || now <= edge)
                {
                    return false;
                }

                edge = now;
            }
        }
    }

    /// <summary>The stall of a send that made no progress within the SendTimeout.</summary>
    protected CollectorStalledException Stalled(string what, Exception cause) =>
        new($"The collector took no data for the SendTimeout ({_sendTimeout.TotalSeconds} s; {what}): it holds the connection but stopped reading.", cause);

    /// <summary>The SendTimeout.</summary>
    protected TimeSpan SendTimeout => _sendTimeout;

    /// <summary>Records that lines up to <paramref name="mark"/> are taken.</summary>
    protected void ReportTaken(in LineMark mark, long lines)
    {
        lock (_progressLock)
        {
            _takenMark = mark;
            _takenLines += lines;
            _hasProgress = true;
        }
    }

    /// <summary>Marks the connection broken.</summary>
    protected void SetBroken(Exception? error)
    {
        if (error is null)
        {
            _broken.TrySetResult();
        }
        else
        {
            _broken.TrySetException(error);
        }
    }

    /// <summary>Sends FIN after everything written (TCP half-close).</summary>
    protected void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    private static void ObserveFault(Task operation) =>
        _ = operation.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private static SslClientAuthenticationOptions TlsOptions(AuditForwarderOptions options, System.Runtime.CompilerServices.StrongBox<string?> problem)
    {
        X509Certificate2Collection trusted = options.TrustedCaCertificates!;
        SslClientAuthenticationOptions tls = new()
        {
            TargetHost = options.ServerName ?? options.Host,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                problem.Value = CertificateProblem(certificate, errors, trusted);
                return problem.Value is null;
            },
        };
        if (options.ClientCertificate is not null)
        {
            tls.ClientCertificates = [options.ClientCertificate];
        }

        return tls;
    }

    // Why the server certificate is refused, or null: it must chain to one of the configured CAs (only them) and name the host.
    private static string? CertificateProblem(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (certificate is null)
        {
            return "the server sent no certificate";
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return "the server certificate does not name the configured server";
        }

        using X509Chain chain = new();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        using X509Certificate2 server = new(certificate);
        if (chain.Build(server))
        {
            return null;
        }

        System.Text.StringBuilder reasons = new("the server certificate (" + server.Subject + ") does not chain to the configured CA:");
        foreach (X509ChainStatus status in chain.ChainStatus)
        {
            reasons.Append(' ').Append(status.Status);
        }

        return reasons.ToString();
    }
}
