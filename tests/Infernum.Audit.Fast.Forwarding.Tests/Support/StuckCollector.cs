using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast.Forwarding.Tests.Support;

/// <summary>
/// A collector that is stuck: it listens on a given loopback port and accepts connections, but never reads what is
/// sent (a small receive buffer, no <c>Receive</c>), like an rsyslog whose queue is full and blocked or a half-dead
/// load balancer. Before going silent it can do a part of the session: the TLS handshake (given a certificate), then
/// answer RELP's <c>open</c> with 200; with neither it accepts and never answers (a TLS client waits for the
/// ServerHello forever, a RELP client for the answer to its open).
/// </summary>
internal sealed class StuckCollector : LoopbackTestServer
{
    private readonly bool _answerRelpOpen;
    private readonly X509Certificate2? _certificate;
    private int _silent;

    public StuckCollector(int port, X509Certificate2? tlsCertificate, bool answerRelpOpen)
        : base(port, receiveBufferBytes: 4096)
    {
        _answerRelpOpen = answerRelpOpen;
        _certificate = tlsCertificate;
        Start();
    }

    /// <summary>Connections that did their part of the session and went silent.</summary>
    public int Silent => Volatile.Read(ref _silent);

    protected override async Task ServeAsync(Socket client)
    {
        try
        {
            System.IO.Stream stream = new NetworkStream(client, ownsSocket: false);
            if (_certificate is not null)
            {
                SslStream tls = new(stream, leaveInnerStreamOpen: true);
                Hold(tls);

                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, Stopping);
                stream = tls;
            }

            if (_answerRelpOpen)
            {
                int txnr = await ReadRelpOpenAsync(stream);
                const string reply = "200 OK\nrelp_version=0\ncommands=syslog";
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{txnr} rsp {reply.Length} {reply}\n"), Stopping);
            }

            Interlocked.Increment(ref _silent);
        }
        catch (Exception error) when (error is System.IO.IOException or OperationCanceledException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away or the collector stops.
        }
    }

    // Reads exactly one frame, "TXNR SP open SP DATALEN SP DATA LF", and nothing after it; returns its TXNR.
    private async Task<int> ReadRelpOpenAsync(System.IO.Stream stream)
    {
        List<byte> frame = [];
        byte[] one = new byte[1];
        int spaces = 0;
        int headEnd = -1;
        int dataLength = -1;
        while (true)
        {
            if (await stream.ReadAsync(one, Stopping) == 0)
            {
                throw new System.IO.IOException("closed before open");
            }

            frame.Add(one[0]);
            if (headEnd < 0 && (one[0] == (byte)' ' || one[0] == (byte)'\n'))
            {
                spaces++;
                if (spaces == 3)
                {
                    headEnd = frame.Count;
                    string head = Encoding.ASCII.GetString(frame.ToArray());
                    dataLength = int.Parse(head.Split(' ')[2].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            if (headEnd >= 0 && frame.Count >= headEnd + dataLength + 1)
            {
                string head = Encoding.ASCII.GetString(frame.ToArray());
                return int.Parse(head.AsSpan(0, head.IndexOf(' ', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
