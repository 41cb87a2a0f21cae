using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Infernum.Audit.Fast.Forwarding.Hosting;

/// <summary>Runs an <see cref="AuditForwarder"/> for the host's lifetime; the host's stop closes it cleanly and saves its cursor.</summary>
public sealed class AuditForwarderService : BackgroundService
{
    /// <summary>Creates the service around a forwarder (the container that made the forwarder disposes it).</summary>
    /// <param name="forwarder">The forwarder to run.</param>
    public AuditForwarderService(AuditForwarder forwarder) => Forwarder = forwarder;

    /// <summary>The forwarder run, for its <see cref="AuditForwarder.Counters"/>.</summary>
    public AuditForwarder Forwarder { get; }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Forwarder.RunAsync(stoppingToken);
}
