using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>
/// Builds the host's settings: the configuration section first, then every code configuration
/// (<see cref="IConfigureOptions{TOptions}"/>, <see cref="IPostConfigureOptions{TOptions}"/>) in registration order, so
/// code wins whatever the order of the calls. Reports failures under the name the user wrote: the configuration key as
/// spelt in the source, or <c>InfernumAuditSettings.X (set in code)</c>.
/// </summary>
/// <remarks>
/// The options monitor is not used for reloads on purpose: it rebuilds inside the configuration's reload callback and
/// throws there on a bad value, out of reach of anyone who could report it.
/// </remarks>
internal sealed class AuditSettingsLoader
{
    private readonly IConfigurationSection? _section;
    private readonly IEnumerable<IConfigureOptions<InfernumAuditSettings>> _configures;
    private readonly IEnumerable<IPostConfigureOptions<InfernumAuditSettings>> _postConfigures;
    private readonly string? _contentRoot;

    public AuditSettingsLoader(
        IConfigurationSection? section,
        IEnumerable<IConfigureOptions<InfernumAuditSettings>> configures,
        IEnumerable<IPostConfigureOptions<InfernumAuditSettings>> postConfigures,
        string? contentRoot)
    {
        _section = section;
        _configures = configures;
        _postConfigures = postConfigures;
        _contentRoot = contentRoot;
    }

    /// <summary>The section the settings come from, or null when they are set in code only.</summary>
    public IConfigurationSection? Section => _section;

    /// <summary>Builds and validates the settings; <see cref="Result.Failures"/> is empty when they are usable.</summary>
    public Result Load()
    {
        var failures = new List<string>();
        var fromConfiguration = new InfernumAuditSettings();
        if (_section is not null)
        {
            try
            {
                _section.Bind(fromConfiguration);
            }
            catch (InvalidOperationException error)
            {
                // The binder names the key as written ("Failed to convert configuration value at 'Audit:X' to type ...").
                failures.Add(error.Message);
                return new Result(fromConfiguration, failures, UnknownKeys());
            }
        }

        var settings = new InfernumAuditSettings();
        if (_section is not null)
        {
            _section.Bind(settings); // a plain call, which the binding generator intercepts (a ?. call it does not)
        }
        foreach (IConfigureOptions<InfernumAuditSettings> configure in _configures)
        {
            if (configure is IConfigureNamedOptions<InfernumAuditSettings> named)
            {
                named.Configure(Options.DefaultName, settings);
            }
            else
            {
                configure.Configure(settings);
            }
        }

        foreach (IPostConfigureOptions<InfernumAuditSettings> postConfigure in _postConfigures)
        {
            postConfigure.PostConfigure(Options.DefaultName, settings);
        }

        foreach (SettingFailure failure in InfernumAuditSettingsValidator.Validate(settings))
        {
            string name = NameAsWritten(failure.Setting, fromConfiguration, settings);
            failures.Add(failure.Value is null
                ? string.Format(CultureInfo.InvariantCulture, "{0} is invalid: {1}.", name, failure.Rule)
                : string.Format(CultureInfo.InvariantCulture, "{0} = {1} is invalid: {2}.", name, failure.Value, failure.Rule));
        }

        return new Result(settings, failures, UnknownKeys());
    }

    /// <summary>The file the settings point at, a relative path taken from the content root.</summary>
    public string ResolvePath(string path)
        => Path.IsPathRooted(path) || _contentRoot is null ? Path.GetFullPath(path) : Path.GetFullPath(path, _contentRoot);

    /// <summary>The configuration key of a setting as the user spelt it, if configuration supplied its value.</summary>
    public string? KeyAsWritten(string setting)
    {
        if (_section is null)
        {
            return null;
        }

        foreach (IConfigurationSection child in _section.GetChildren())
        {
            if (string.Equals(child.Key, setting, StringComparison.OrdinalIgnoreCase))
            {
                return child.Path;
            }
        }

        return null;
    }

    private string NameAsWritten(string setting, InfernumAuditSettings fromConfiguration, InfernumAuditSettings final)
    {
        Func<InfernumAuditSettings, object?> get = InfernumAuditSettings.All.First(s => s.Key == setting).Value;
        string? key = KeyAsWritten(setting);
        return key is not null && Equals(get(fromConfiguration), get(final))
            ? key
            : nameof(InfernumAuditSettings) + "." + setting + " (set in code)";
    }

    private List<string> UnknownKeys()
    {
        var unknown = new List<string>();
        if (_section is null)
        {
            return unknown;
        }

        foreach (IConfigurationSection child in _section.GetChildren())
        {
            if (!InfernumAuditSettings.All.Any(s => string.Equals(s.Key, child.Key, StringComparison.OrdinalIgnoreCase)))
            {
                string? closest = Closest(child.Key);
                unknown.Add(closest is null
                    ? string.Format(CultureInfo.InvariantCulture, "{0} is not an Infernum.Audit.Fast setting and is ignored.", child.Path)
                    : string.Format(CultureInfo.InvariantCulture, "{0} is not an Infernum.Audit.Fast setting and is ignored; did you mean {1}?", child.Path, closest));
            }
        }

        return unknown;
    }

    private static string? Closest(string key)
    {
        string? best = null;
        int bestDistance = Math.Max(1, key.Length / 4) + 1; // more edits than a quarter of the word is another word, not a misspelling
        foreach (KeyValuePair<string, Func<InfernumAuditSettings, object?>> setting in InfernumAuditSettings.All)
        {
            int distance = EditDistance(key.ToUpperInvariant(), setting.Key.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = setting.Key;
                bestDistance = distance;
            }
        }

        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    /// <summary>Settings, what is wrong with them (empty: usable), and the section's keys that are no setting.</summary>
    internal sealed record Result(InfernumAuditSettings Settings, IReadOnlyList<string> Failures, IReadOnlyList<string> UnknownKeys);
}
