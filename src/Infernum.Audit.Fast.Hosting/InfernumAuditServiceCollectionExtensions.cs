using System;
using Infernum.Audit.Fast.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an Infernum.Audit.Fast <see cref="Infernum.Audit.Fast.AuditLogger"/> in a generic host.</summary>
public static class InfernumAuditServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="Infernum.Audit.Fast.AuditLogger"/> configured from <paramref name="section"/> (for
    /// example <c>configuration.GetSection("Audit")</c>), validated at start-up; a reload changes the switches live;
    /// the host's stop flushes and disposes it.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAudit(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<InfernumAuditSettings>().Bind(section);
        return AddCore(services, section.Path);
    }

    /// <summary>Adds a singleton <see cref="Infernum.Audit.Fast.AuditLogger"/> configured in code, validated at start-up.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAudit(this IServiceCollection services, Action<InfernumAuditSettings> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<InfernumAuditSettings>().Configure(configure);
        return AddCore(services, "Audit");
    }

    private static IServiceCollection AddCore(IServiceCollection services, string section)
    {
        services.AddOptions<InfernumAuditSettings>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InfernumAuditSettings>>(new InfernumAuditSettingsValidator(section)));
        services.TryAddSingleton(CreateLogger);
        services.AddHostedService<AuditLoggerLifetime>();
        return services;
    }

    private static Infernum.Audit.Fast.AuditLogger CreateLogger(IServiceProvider provider)
    {
        IOptionsMonitor<InfernumAuditSettings> monitor = provider.GetRequiredService<IOptionsMonitor<InfernumAuditSettings>>();
        InfernumAuditSettings settings = monitor.CurrentValue;
        Infernum.Audit.Fast.AuditSink? sink = settings.ForwardToLogger == AuditLoggerBridgeMode.Only
            ? null
            : settings.Sink == AuditSinkKind.StandardOutput
                ? Infernum.Audit.Fast.AuditSink.ToStandardOutput()
                : Infernum.Audit.Fast.AuditSink.ToFile(settings.FilePath, new Infernum.Audit.Fast.AuditFileOptions
                {
                    MaxFileBytes = settings.MaxFileBytes,
                    RetainedFiles = settings.RetainedFiles,
                    Fsync = settings.Fsync,
                });
        if (settings.ForwardToLogger != AuditLoggerBridgeMode.None)
        {
            ILoggerFactory factory = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            sink = new LoggerBridgeSink(factory.CreateLogger(LoggerBridgeSink.Category), sink);
        }

        var logger = new Infernum.Audit.Fast.AuditLogger(sink!, settings.ToOptions(), new Infernum.Audit.Fast.AuditDeliveryOptions
        {
            MaxBufferedBytes = settings.MaxBufferedBytes,
            FullMode = settings.FullMode,
            BlockTimeout = settings.BlockTimeout,
            WriteSequenceNumbers = settings.WriteSequenceNumbers,
            Clock = settings.Clock,
            DrainOnTerminationSignals = false, // the host handles the signals and disposes the logger after its shutdown
        });

        // The switches follow configuration reloads; the sink and buffer settings keep their start-up values.
        monitor.OnChange(changed => logger.Options = changed.ToOptions());
        return logger;
    }
}
