using System;
using Infernum.Audit.Fast.Evidence.Hosting;
using Infernum.Audit.Fast.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes the host's audit file (<c>AddInfernumAudit</c>, Infernum.Audit.Fast.Hosting) tamper-evident.</summary>
public static class AuditEvidenceServiceCollectionExtensions
{
    /// <summary>
    /// Writes the host's audit file through the evidence layer (docs/evidence.md): an RFC 9162 Merkle tree over every
    /// line and Ed25519-signed C2SP checkpoints, with the key and checkpoint settings bound from
    /// <paramref name="section"/> (for example <c>configuration.GetSection("Audit:Evidence")</c>; see
    /// <see cref="AuditEvidenceSettings"/>). Needs the logger to write a file: with <c>Audit:Sink</c> other than <c>File</c>
    /// or <c>Audit:ForwardToLogger</c> = <c>Only</c> the host does not start (an
    /// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming that setting).
    /// Checked when the host starts: a missing, unreadable or malformed key, or a setting out of range, stops the
    /// start with an <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> that names the setting (never
    /// the key's text); an unknown key in the section throws <see cref="InvalidOperationException"/> there too.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="section">The configuration section holding <see cref="AuditEvidenceSettings"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAuditEvidence(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return services.AddInfernumAuditEvidence(settings => section.Bind(settings, binder => binder.ErrorOnUnknownConfiguration = true));
    }

    /// <summary>Like <see cref="AddInfernumAuditEvidence(IServiceCollection, IConfigurationSection)"/>, with the settings made in code.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the <see cref="AuditEvidenceSettings"/>; runs once, when the host starts.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAuditEvidence(this IServiceCollection services, Action<AuditEvidenceSettings> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.RemoveAll<IAuditFileSinkFactory>();
        services.AddSingleton<IAuditFileSinkFactory>(provider =>
        {
            AuditEvidenceSettings settings = new();
            configure(settings);
            return new EvidenceFileSinkFactory(settings, provider.GetService<IHostEnvironment>());
        });
        return services;
    }
}
