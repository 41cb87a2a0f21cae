using System;
using System.Collections.Generic;
using Infernum.Audit.Fast;
using Infernum.Audit.Fast.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an Infernum.Audit.Fast <see cref="AuditLogger"/> in a generic host.</summary>
public static class InfernumAuditServiceCollectionExtensions
{
    /// <summary>The <see cref="ILogger"/> category of the host integration's own messages (bad reloads, unknown keys, sink faults).</summary>
    public const string DiagnosticsCategory = "Infernum.Audit.Fast.Hosting";

    /// <summary>
    /// Adds a singleton <see cref="AuditLogger"/> configured from <paramref name="section"/> (for example
    /// <c>configuration.GetSection("Audit")</c>), then from any <c>services.Configure&lt;InfernumAuditSettings&gt;</c>
    /// in code, which wins. Validated when the host starts; a reload changes the live settings it changed, and a
    /// reload that fails validation is reported through <see cref="ILogger"/> (category
    /// <see cref="DiagnosticsCategory"/>) and leaves the previous settings in force. The logger is flushed after
    /// every hosted service has stopped and disposed with the service provider.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="section">The configuration section holding <see cref="InfernumAuditSettings"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAudit(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return AddCore(services, section);
    }

    /// <summary>
    /// Adds a singleton <see cref="AuditLogger"/> configured from <paramref name="section"/>, then by
    /// <paramref name="configure"/>, whose values win over configuration and survive reloads.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="section">The configuration section holding <see cref="InfernumAuditSettings"/>.</param>
    /// <param name="configure">Settings made in code, applied after the section on start-up and on every reload.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAudit(this IServiceCollection services, IConfigurationSection section, Action<InfernumAuditSettings> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        return AddCore(services, section);
    }

    /// <summary>Adds a singleton <see cref="AuditLogger"/> configured in code, validated when the host starts.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">The settings.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddInfernumAudit(this IServiceCollection services, Action<InfernumAuditSettings> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        return AddCore(services, null);
    }

    private static IServiceCollection AddCore(IServiceCollection services, IConfigurationSection? section)
    {
        services.TryAddSingleton(provider => new AuditSettingsLoader(
            section,
            provider.GetServices<IConfigureOptions<InfernumAuditSettings>>(),
            provider.GetServices<IPostConfigureOptions<InfernumAuditSettings>>(),
            provider.GetService<IHostEnvironment>()?.ContentRootPath));
        services.TryAddSingleton(LoadSettings);
        services.TryAddSingleton(CreateLogger);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuditLoggerLifetime>(provider => new AuditLoggerLifetime(
            provider.GetRequiredService<AuditLogger>(),
            provider.GetRequiredService<AuditSettingsLoader>(),
            provider.GetRequiredService<HostedAuditLoggerState>(),
            Diagnostics(provider))));
        return services;
    }

    private static ILogger Diagnostics(IServiceProvider provider)
        => (provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(DiagnosticsCategory);

    private static HostedAuditLoggerState LoadSettings(IServiceProvider provider)
    {
        AuditSettingsLoader.Result loaded = provider.GetRequiredService<AuditSettingsLoader>().Load();
        if (loaded.Failures.Count > 0)
        {
            throw new OptionsValidationException(Options.Options.DefaultName, typeof(InfernumAuditSettings), loaded.Failures);
        }

        return new HostedAuditLoggerState(loaded.Settings, loaded.UnknownKeys);
    }

    private static AuditLogger CreateLogger(IServiceProvider provider)
    {
        InfernumAuditSettings settings = provider.GetRequiredService<HostedAuditLoggerState>().Applied;
        AuditSettingsLoader loader = provider.GetRequiredService<AuditSettingsLoader>();
        ILogger log = Diagnostics(provider);
        AuditSink? sink = null;
        IAuditFileSinkFactory? fileFactory = provider.GetService<IAuditFileSinkFactory>();
        string? noFile = settings.ForwardToLogger == AuditLoggerBridgeMode.Only ? $"Audit:ForwardToLogger is {AuditLoggerBridgeMode.Only}"
            : settings.Sink != AuditSinkKind.File ? $"Audit:Sink is {settings.Sink}"
            : null;
        if (fileFactory is not null && noFile is not null)
        {
            // A registered file sink factory (AddInfernumAuditEvidence) asks for properties of the file; with no file the
            // lines would go out without them, silently.
            throw new OptionsValidationException(Options.Options.DefaultName, typeof(InfernumAuditSettings), new List<string>
            {
                $"{noFile}, so no audit file is written, but {fileFactory.GetType().Name} (for example AddInfernumAuditEvidence) is registered to make that file: set Audit:Sink to File, or remove it.",
            });
        }

        if (settings.ForwardToLogger != AuditLoggerBridgeMode.Only)
        {
            if (settings.Sink == AuditSinkKind.StandardOutput)
            {
                sink = AuditSink.ToStandardOutput();
                log.LogInformation(new EventId(1, "AuditSinkOpened"), "Audit lines go to standard output.");
            }
            else
            {
                string path = loader.ResolvePath(settings.FilePath);
                AuditFileOptions files = settings.ToFileOptions() with
                {
                    OnRepaired = (file, bytes) => log.LogWarning(
                        new EventId(6, "AuditFileRepaired"), "Cut an unterminated last line of {Bytes} bytes (left by a crash) from {Path}.", bytes, file),
                };
                sink = fileFactory is null ? AuditSink.ToFile(path, files) : fileFactory.Create(path, files);
                if (fileFactory?.Description is { } description)
                {
                    log.LogInformation(new EventId(1, "AuditSinkOpened"), "Audit lines go to {Path} ({Description}).", path, description);
                }
                else
                {
                    log.LogInformation(new EventId(1, "AuditSinkOpened"), "Audit lines go to {Path}.", path);
                }
            }
        }

        if (settings.ForwardToLogger != AuditLoggerBridgeMode.None)
        {
            ILoggerFactory factory = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            sink = new LoggerBridgeSink(factory.CreateLogger(LoggerBridgeSink.Category), sink);
        }

        return new AuditLogger(sink!, settings.ToOptions(), settings.ToDeliveryOptions(fault => ReportSinkFault(log, fault)));
    }

    private static void ReportSinkFault(ILogger log, AuditSinkFault fault)
    {
        if (fault.Error is null)
        {
            log.LogInformation(new EventId(5, "AuditSinkRecovered"), "The audit sink recovered; every held line is being written.");
        }
        else
        {
            log.LogError(
                new EventId(5, "AuditSinkFault"),
                fault.Error,
                "The audit sink failed ({ConsecutiveFailures} in a row, {BufferedBytes} bytes held); retrying. No event is lost while the buffer has room.",
                fault.ConsecutiveFailures,
                fault.BufferedBytes);
        }
    }
}
