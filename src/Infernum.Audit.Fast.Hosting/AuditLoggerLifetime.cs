using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>
/// Ties the audit logger to the host: created when the host starts (so bad settings fail start-up), follows
/// configuration reloads, and drains when the host has stopped.
/// </summary>
/// <remarks>
/// Hosted services stop in reverse registration order, so a service registered before <c>AddInfernumAudit</c> stops
/// after this one: disposing the logger in <see cref="StopAsync"/> dropped what that service logged while stopping. The
/// logger is instead flushed in <see cref="StoppedAsync"/>, which the host calls after every hosted service's
/// <see cref="IHostedService.StopAsync"/>, and disposed with the service provider, after every service created after
/// it (everything that depends on it) is disposed.
/// </remarks>
internal sealed class AuditLoggerLifetime : IHostedLifecycleService, IDisposable
{
    private readonly AuditLogger _audit;
    private readonly AuditSettingsLoader _loader;
    private readonly ILogger _log;
    private readonly object _reloadLock = new();
    private readonly HashSet<string> _reportedUnknownKeys = new(StringComparer.Ordinal);
    private InfernumAuditSettings _applied;
    private IDisposable? _reloadSubscription;

    public AuditLoggerLifetime(AuditLogger audit, AuditSettingsLoader loader, HostedAuditLoggerState state, ILogger log)
    {
        _audit = audit;
        _loader = loader;
        _log = log;
        _applied = state.Applied;
        ReportUnknownKeys(state.UnknownKeys);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loader.Section is { } section)
        {
            _reloadSubscription = ChangeToken.OnChange(section.GetReloadToken, Reload);
        }

        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _reloadSubscription?.Dispose();
        await _audit.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _reloadSubscription?.Dispose();

    /// <summary>
    /// Applies a reloaded section: each live setting whose configured value changed replaces the same option of the
    /// options in force, so what code set through <see cref="AuditLogger.Options"/> (or a setting configuration did not
    /// change) stays. A section that fails validation is reported and changes nothing.
    /// </summary>
    internal void Reload()
    {
        lock (_reloadLock)
        {
            AuditSettingsLoader.Result loaded = _loader.Load();
            ReportUnknownKeys(loaded.UnknownKeys);
            if (loaded.Failures.Count > 0)
            {
                _log.LogError(
                    new EventId(2, "AuditReloadRejected"),
                    "The reloaded audit settings were rejected; the previous settings stay in force. {Failures}",
                    string.Join(" ", loaded.Failures));
                return;
            }

            InfernumAuditSettings previous = _applied;
            InfernumAuditSettings next = loaded.Settings;
            AuditOptions current = _audit.Options;
            AuditOptions options = current;
            if (next.Enabled != previous.Enabled)
            {
                options = options with { Enabled = next.Enabled };
            }

            if (next.LogClientIp != previous.LogClientIp)
            {
                options = options with { LogClientIp = next.LogClientIp };
            }

            if (next.LogKeyPrefix != previous.LogKeyPrefix)
            {
                options = options with { LogKeyPrefix = next.LogKeyPrefix };
            }

            if (next.KeyPrefixLength != previous.KeyPrefixLength)
            {
                options = options with { KeyPrefixLength = next.KeyPrefixLength };
            }

            if (next.WriteTraceContext != previous.WriteTraceContext)
            {
                options = options with { WriteTraceContext = next.WriteTraceContext };
            }

            if (!string.Equals(next.RedactionKey, previous.RedactionKey, StringComparison.Ordinal))
            {
                options = options with { RedactionKey = next.RedactionKeyBytes() };
            }

            if (!ReferenceEquals(options, current))
            {
                _audit.Options = options;
            }

            // Compared with the last applied section, not the start-up one: each change is reported once.
            foreach (string setting in InfernumAuditSettings.StartOnly)
            {
                Func<InfernumAuditSettings, object?> get = Get(setting);
                if (!Equals(get(previous), get(next)))
                {
                    _log.LogWarning(
                        new EventId(3, "AuditSettingNeedsRestart"),
                        "{Setting} changed on reload; it applies when the host restarts.",
                        _loader.KeyAsWritten(setting) ?? setting);
                }
            }

            _applied = next;
        }
    }

    private static Func<InfernumAuditSettings, object?> Get(string setting)
    {
        foreach (KeyValuePair<string, Func<InfernumAuditSettings, object?>> entry in InfernumAuditSettings.All)
        {
            if (entry.Key == setting)
            {
                return entry.Value;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(setting), setting, "Not a setting.");
    }

    private void ReportUnknownKeys(IReadOnlyList<string> unknownKeys)
    {
        foreach (string message in unknownKeys)
        {
            if (_reportedUnknownKeys.Add(message))
            {
                _log.LogWarning(new EventId(4, "AuditUnknownSetting"), "{Message}", message);
            }
        }
    }
}
