using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast.Forwarding.Tests.Support;

/// <summary>
/// A RELP server on loopback that misbehaves in ways rsyslog cannot be made to: it answers <c>open</c> with
/// <c>200</c>, and every <c>syslog</c> command with what <c>answer</c> returns (null: never answers).
/// Counts connections and syslog commands received.
/// </summary>
internal sealed class RelpTestServer : IDisposable
{
    private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, string?> _answer;
    private readonly Task _accepting;
    private readonly List<Socket> _clients = [];
    private int _connections;
    private int _syslogCommands;

    public RelpTestServer(Func<string, string?> answer)
    {
        _answer = answer;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public int Connections => Volatile.Read(ref _connections);

    public int SyslogCommands => Volatile.Read(ref _syslogCommands);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_clients)
        {
            foreach (Socket client in _clients)
            {
                client.Dispose();
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
            lock (_clients)
            {
                _clients.Add(client);
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            using NetworkStream stream = new(client, ownsSocket: true);
            List<byte> pending = [];
            byte[] buffer = new byte[64 * 1024];
            while (true)
            {
                int read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                pending.AddRange(buffer.AsSpan(0, read));
                while (TryTakeFrame(pending, out int txnr, out string command))
                {
                    string? reply = command switch
                    {
                        "open" => "200 OK\nrelp_version=0\ncommands=syslog",
                        "close" => "200 OK",
                        _ => Count(_answer(command)),
                    };
                    if (reply is not null)
                    {
                        byte[] data = Encoding.ASCII.GetBytes(reply);
                        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{txnr} rsp {data.Length} {reply}\n"), _stop.Token);
                    }
                }
            }
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or the server stops.
        }
    }

    private string? Count(string? reply)
    {
        Interlocked.Increment(ref _syslogCommands);
        return reply;
    }

    // TXNR SP COMMAND SP DATALEN [SP DATA] LF
    private static bool TryTakeFrame(List<byte> pending, out int txnr, out string command)
    {
        txnr = 0;
        command = "";
        int first = pending.IndexOf((byte)' ');
        int second = first < 0 ? -1 : pending.IndexOf((byte)' ', first + 1);
        if (second < 0)
        {
            return false;
        }

        int lengthEnd = second + 1;
        while (lengthEnd < pending.Count && pending[lengthEnd] is >= (byte)'0' and <= (byte)'9')
        {
            lengthEnd++;
        }

        if (lengthEnd == pending.Count)
        {
            return false;
        }

        byte[] head = pending.GetRange(0, lengthEnd).ToArray();
        txnr = int.Parse(Encoding.ASCII.GetString(head, 0, first), System.Globalization.CultureInfo.InvariantCulture);
        command = Encoding.ASCII.GetString(head, first + 1, second - first - 1);
        int dataLength = int.Parse(Encoding.ASCII.GetString(head, second + 1, lengthEnd - second - 1), System.Globalization.CultureInfo.InvariantCulture);
        int frameLength = lengthEnd + (dataLength > 0 ? 1 + dataLength : 0) + 1;
        if (pending.Count < frameLength)
        {
            return false;
        }

        pending.RemoveRange(0, frameLength);
        return true;
    }
}
