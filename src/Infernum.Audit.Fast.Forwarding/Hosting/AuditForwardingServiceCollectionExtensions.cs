using System;
using Infernum.Audit.Fast.Forwarding;
using Infernum.Audit.Fast.Forwarding.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an audit forwarder as a hosted service.</summary>
public static class AuditForwardingServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="AuditForwarder"/> built from <paramref name="options"/> and a hosted service that runs
    /// it while the host runs (start after the audit logger, so the file exists; the forwarder waits for it anyway).
    /// The options are checked when the forwarder is first resolved (at host start).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAuditForwarding(this IServiceCollection services, AuditForwarderOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(_ => new AuditForwarder(options));
        services.AddSingleton<AuditForwarderService>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<AuditForwarderService>());
        return services;
    }
}
