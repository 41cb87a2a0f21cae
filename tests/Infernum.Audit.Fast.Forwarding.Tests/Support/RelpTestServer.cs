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
internal sealed class RelpTestServer : LoopbackTestServer
{
    private readonly Func<string, string?> _answer;
    private int _syslogCommands;

    public RelpTestServer(Func<string, string?> answer)
        : base(port: 0, receiveBufferBytes: 0)
    {
        _answer = answer;
        Start();
    }

    public int SyslogCommands => Volatile.Read(ref _syslogCommands);

    protected override async Task ServeAsync(Socket client)
    {
        try
        {
            using NetworkStream stream = new(client, ownsSocket: true);
            List<byte> pending = [];
            byte[] buffer = new byte[64 * 1024];
            while (true)
            {
                int read = await stream.ReadAsync(buffer, Stopping);
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
                        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{txnr} rsp {data.Length} {reply}\n"), Stopping);
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
