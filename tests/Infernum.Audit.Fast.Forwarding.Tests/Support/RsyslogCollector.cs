using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace Infernum.Audit.Fast.Forwarding.Tests.Support;

/// <summary>
/// A real rsyslogd on loopback with its own configuration, pid file, work folder and free port, writing every
/// message's MSG (<c>%msg%\n</c>) to a file — a new file per start, so a line torn by SIGKILL stays at the end of
/// its own file. Queues are direct and the file is written at the end of each batch, so what rsyslog has
/// acknowledged (RELP) or read before closing (TCP) is in the file.
/// </summary>
internal sealed class RsyslogCollector : IDisposable
{
    private readonly string _folder;
    private readonly SyslogTransport _transport;
    private readonly string? _tlsDirectives;
    private readonly string? _relpTls;
    private readonly string _tlsAuthMode;
    private readonly List<string> _outputs = [];
    private Process? _process;

    /// <param name="tlsAuthMode">rsyslog's <c>StreamDriver.AuthMode</c>: <c>anon</c>, or <c>x509/certvalid</c> to demand a client certificate the CA signed.</param>
    public RsyslogCollector(string folder, SyslogTransport transport, string? caPem = null, string? certificatePem = null, string? keyPem = null, string tlsAuthMode = "anon")
    {
        _tlsAuthMode = tlsAuthMode;
        _folder = folder;
        _transport = transport;
        Directory.CreateDirectory(Path.Combine(folder, "work"));
        Port = FreePort();
        if (transport == SyslogTransport.RelpTls)
        {
            _relpTls = $" tls=\"on\" tls.caCert=\"{caPem}\" tls.myCert=\"{certificatePem}\" tls.myPrivKey=\"{keyPem}\" tls.authMode=\"certvalid\"";
        }

        if (transport == SyslogTransport.Tls)
        {
            _tlsDirectives = $"global(DefaultNetstreamDriver=\"gtls\" DefaultNetstreamDriverCAFile=\"{caPem}\" DefaultNetstreamDriverCertFile=\"{certificatePem}\" DefaultNetstreamDriverKeyFile=\"{keyPem}\")\n";
        }
    }

    /// <summary>Why rsyslog cannot run here, or null.</summary>
    public static string? Unavailable =>
        File.Exists("/usr/sbin/rsyslogd") ? null : "rsyslogd is not installed (apt-get install -y rsyslog rsyslog-gnutls rsyslog-relp; .ci/run does it)";

    public int Port { get; }

    public IReadOnlyList<string> Outputs => _outputs;

    public int Starts => _outputs.Count;

    /// <summary>The running rsyslogd's process id (to signal it).</summary>
    public int ProcessId => _process!.Id;

    /// <summary>CPU time the running rsyslogd has used.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process!.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public void Start()
    {
        string output = Path.Combine(_folder, "out." + _outputs.Count + ".log");
        _outputs.Add(output);
        string input = _transport switch
        {
            SyslogTransport.Relp or SyslogTransport.RelpTls => $"module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"{Port}\" ruleset=\"r\"{_relpTls})\n",
            SyslogTransport.Tls => $"module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"{_tlsAuthMode}\")\ninput(type=\"imtcp\" port=\"{Port}\" ruleset=\"r\")\n",
            _ => $"module(load=\"imptcp\")\ninput(type=\"imptcp\" port=\"{Port}\" ruleset=\"r\")\n",
        };
        string config = Path.Combine(_folder, "rsyslog.conf");
        File.WriteAllText(config,
            $"global(workDirectory=\"{Path.Combine(_folder, "work")}\" maxMessageSize=\"64k\")\n"
            + _tlsDirectives
            + "main_queue(queue.type=\"Direct\")\n"
            + "template(name=\"raw\" type=\"string\" string=\"%msg%\\n\")\n"
            + $"ruleset(name=\"r\" queue.type=\"Direct\") {{\n  action(type=\"omfile\" file=\"{output}\" template=\"raw\" asyncWriting=\"off\" flushOnTXEnd=\"on\")\n}}\n"
            + input);
        ProcessStartInfo start = new("/usr/sbin/rsyslogd", ["-n", "-f", config, "-i", Path.Combine(_folder, "rsyslogd.pid")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitListening();
    }

    /// <summary>SIGKILL: no flush, no goodbye.</summary>
    public void Kill()
    {
        Process process = _process!;
        process.Kill(); // SIGKILL on Unix
        process.WaitForExit();
        process.Dispose();
        _process = null;
    }

    /// <summary>SIGTERM and wait: rsyslog closes its files.</summary>
    public void Stop()
    {
        if (_process is not { } process)
        {
            return;
        }

        using (Process signal = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            signal.WaitForExit();
        }

        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }

    private void WaitListening()
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using Socket probe = new(SocketType.Stream, ProtocolType.Tcp);
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(20) && !_process!.HasExited)
            {
                Thread.Sleep(20);
            }
        }
    }

    private static int FreePort()
    {
        using Socket socket = new(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
