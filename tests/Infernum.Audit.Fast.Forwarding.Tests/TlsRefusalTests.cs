using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

[Collection("rsyslog")]
public sealed class TlsRefusalTests
{
    private static async Task<(AuditForwarderCounters Counters, List<AuditForwarderReport> Reports)> ForwardBrieflyAsync(TempFolder folder, int port, X509Certificate2 trustedCa, Func<bool> until)
    {
        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 100; i++)
            {
                audit.AuthSuccess("req-secret-" + i, "10.9.9.9", "sk-inf-abcdefghijk", "/v1/chat/completions");
            }
        }

        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(new AuditForwarderOptions
        {
            FilePath = path,
            StateDirectory = folder.File("state"),
            Host = "localhost",
            Port = port,
            Transport = SyslogTransport.Tls,
            TrustedCaCertificates = [trustedCa],
            MinReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
            OnReport = r =>
            {
                lock (reports)
                {
                    reports.Add(r);
                }
            },
        });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.CertificateRejections >= 2 && until(), TimeSpan.FromSeconds(30), "two refusals");
        await stop.CancelAsync();
        await running;
        lock (reports)
        {
            return (forwarder.Counters, [.. reports]);
        }
    }

    [Fact]
    public async Task An_rsyslog_whose_certificate_another_CA_signed_is_refused_reported_and_gets_nothing()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("tls-rogue-rsyslog");
        using X509Certificate2 trusted = TestCertificates.CreateCa("Infernum Test CA");
        using X509Certificate2 rogue = TestCertificates.CreateCa("Rogue CA");
        using X509Certificate2 server = TestCertificates.CreateLeaf(rogue, "localhost", server: true);
        TestCertificates.WritePem(rogue, folder.File("rogue-ca.pem"));
        TestCertificates.WritePem(server, folder.File("server.pem"), folder.File("server-key.pem"));
        using RsyslogCollector collector = new(folder.Path, SyslogTransport.Tls, folder.File("rogue-ca.pem"), folder.File("server.pem"), folder.File("server-key.pem"));
        collector.Start();

        (AuditForwarderCounters counters, List<AuditForwarderReport> reports) = await ForwardBrieflyAsync(folder, collector.Port, trusted, () => true);
        collector.Stop();

        Assert.Equal(0, counters.Sent);
        Assert.Equal(0, counters.Connections);
        AuditForwarderReport refusal = reports.Find(r => r.Kind == AuditForwarderReportKind.CertificateRejected)!;
        Assert.NotNull(refusal);
        Assert.Contains("(CN=localhost) does not chain to the configured CA", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(reports, r => r.Kind == AuditForwarderReportKind.Connected);
        Assert.True(!File.Exists(collector.Outputs[0]) || new FileInfo(collector.Outputs[0]).Length == 0, "rsyslog wrote something");
    }

    [Theory]
    [InlineData("rogue-ca")]
    [InlineData("wrong-name")]
    public async Task On_the_wire_only_a_TLS_handshake_leaves_before_the_refusal(string problem)
    {
        using TempFolder folder = new("tls-capture");
        using X509Certificate2 trusted = TestCertificates.CreateCa("Infernum Test CA");
        using X509Certificate2 rogue = TestCertificates.CreateCa("Rogue CA");
        using X509Certificate2 certificate = problem == "rogue-ca"
            ? TestCertificates.CreateLeaf(rogue, "localhost", server: true)
            : TestCertificates.CreateLeafFor(trusted, "collector.example");

        // A TLS server that records every octet the client sends.
        using Socket listener = new(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        MemoryStream captured = new();
        using CancellationTokenSource serverStop = new();
        Task server = Task.Run(async () =>
        {
            while (!serverStop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(serverStop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                using (client)
                {
                    using RecordingStream recording = new(new NetworkStream(client, ownsSocket: false), captured);
                    using SslStream tls = new(recording);
                    try
                    {
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate });
                        byte[] buffer = new byte[4096];
                        while (await tls.ReadAsync(buffer) > 0)
                        {
                        }
                    }
                    catch (Exception error) when (error is IOException or System.Security.Authentication.AuthenticationException)
                    {
                        // The client refused us: expected.
                    }
                }
            }
        });

        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        (AuditForwarderCounters counters, List<AuditForwarderReport> reports) = await ForwardBrieflyAsync(folder, port, trusted, () => captured.Length > 0);
        await serverStop.CancelAsync();
        await server;

        Assert.Equal(0, counters.Sent);
        Assert.Contains(reports, r => r.Kind == AuditForwarderReportKind.CertificateRejected);
        byte[] wire;
        lock (captured)
        {
            wire = captured.ToArray();
        }

        Assert.NotEmpty(wire);
        Assert.Equal(0x16, wire[0]); // a TLS handshake record: the ClientHello
        string text = Encoding.Latin1.GetString(wire);
        Assert.DoesNotContain("req-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("event_type", text, StringComparison.Ordinal);
        Assert.DoesNotContain("auth_success", text, StringComparison.Ordinal);
    }

    /// <summary>Passes octets through and keeps a copy of everything read.</summary>
    private sealed class RecordingStream(Stream inner, MemoryStream copy) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = inner.Read(buffer, offset, count);
            Keep(buffer.AsSpan(offset, read));
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken);
            Keep(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Keep(ReadOnlySpan<byte> data)
        {
            lock (copy)
            {
                copy.Write(data);
            }
        }
    }
}
