using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast.Forwarding.Tests.Support;

/// <summary>
/// A collector of the test's own on loopback: accepts connections and serves each on its own task; disposing it
/// closes the listener and every connection (and what <see cref="Hold"/> was given), which resets the clients.
/// </summary>
internal abstract class LoopbackTestServer : IDisposable
{
    private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IDisposable> _held = [];
    private Task _accepting = Task.CompletedTask;
    private int _connections;
    private int _disposed;

    /// <param name="port">The port, 0 for a free one.</param>
    /// <param name="receiveBufferBytes">SO_RCVBUF of the accepted sockets, 0 for the system's.</param>
    protected LoopbackTestServer(int port, int receiveBufferBytes)
    {
        if (receiveBufferBytes > 0)
        {
            // Set on the listener, inherited by the accepted sockets (it must be before the handshake to bound the window).
            _listener.ReceiveBufferSize = receiveBufferBytes;
        }

        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Connections accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Cancelled when the server is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _listener.Dispose();
        lock (_held)
        {
            foreach (IDisposable held in _held)
            {
                held.Dispose();
            }
        }

        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    /// <summary>Starts accepting; called by the derived constructor once its fields are set.</summary>
    protected void Start() => _accepting = Task.Run(AcceptAsync);

    /// <summary>Serves one accepted connection (owned by the server: closed on dispose).</summary>
    protected abstract Task ServeAsync(Socket client);

    /// <summary>Closes <paramref name="resource"/> when the server is disposed.</summary>
    protected void Hold(IDisposable resource)
    {
        lock (_held)
        {
            _held.Add(resource);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            Hold(client);
            _ = Task.Run(() => ServeAsync(client));
        }
    }
}
