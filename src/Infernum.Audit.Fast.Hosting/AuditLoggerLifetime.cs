using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>Creates the audit logger when the host starts (so bad settings fail start-up) and drains it when the host stops.</summary>
internal sealed class AuditLoggerLifetime : IHostedService
{
    private readonly AuditLogger _logger;

    public AuditLoggerLifetime(AuditLogger logger) => _logger = logger;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await _logger.DisposeAsync().ConfigureAwait(false);
}
