using System;
using System.Collections.Generic;
using System.Globalization;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>One rejected setting: its name (a property of <see cref="InfernumAuditSettings"/>), the value as text (null for a secret), the rule.</summary>
internal readonly record struct SettingFailure(string Setting, string? Value, string Rule);

/// <summary>Checks every setting against the ranges the core options enforce, so a bad one is reported by name before anything is built.</summary>
internal static class InfernumAuditSettingsValidator
{
    private const int MinRedactionKeyBytes = 16;

    public static List<SettingFailure> Validate(InfernumAuditSettings options)
    {
        var failures = new List<SettingFailure>();
        void Check(bool ok, string setting, object? value, string rule)
        {
            if (!ok)
            {
                failures.Add(new SettingFailure(setting, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty, rule));
            }
        }

        Check(options.KeyPrefixLength is >= 0 and <= 256, nameof(options.KeyPrefixLength), options.KeyPrefixLength, "it must be between 0 and 256");
        if (options.RedactionKey is not null && !IsRedactionKey(options.RedactionKey))
        {
            // The value is a secret: the failure names the setting only.
            failures.Add(new SettingFailure(nameof(options.RedactionKey), null, "it must be base64 of at least 16 bytes (for example the output of `openssl rand -base64 32`)"));
        }

        Check(Enum.IsDefined(options.Sink), nameof(options.Sink), options.Sink, "it must be File or StandardOutput");
        Check(options.Sink != AuditSinkKind.File || !string.IsNullOrWhiteSpace(options.FilePath), nameof(options.FilePath), "''", "a file sink needs a path");
        Check(options.MaxFileBytes == 0 || options.MaxFileBytes >= 64 * 1024, nameof(options.MaxFileBytes), options.MaxFileBytes, "it must be 0 (never roll) or at least 65536");
        Check(options.RetainedFiles is >= 1 and <= 10_000, nameof(options.RetainedFiles), options.RetainedFiles, "it must be between 1 and 10000");
        Check(Enum.IsDefined(options.Fsync), nameof(options.Fsync), options.Fsync, "it must be None, Interval or EveryBatch");
        Check(options.FsyncInterval >= TimeSpan.FromMilliseconds(1) && options.FsyncInterval <= TimeSpan.FromHours(1), nameof(options.FsyncInterval), options.FsyncInterval, "it must be between 00:00:00.001 and 01:00:00");
        Check(options.MaxBufferedBytes is >= 64 * 1024 and <= 1L << 30, nameof(options.MaxBufferedBytes), options.MaxBufferedBytes, "it must be between 65536 and 1073741824");
        Check(Enum.IsDefined(options.FullMode), nameof(options.FullMode), options.FullMode, "it must be Block, Drop or FailClosed");
        Check(options.BlockTimeout >= TimeSpan.Zero && options.BlockTimeout <= TimeSpan.FromMinutes(1), nameof(options.BlockTimeout), options.BlockTimeout, "it must be between 00:00:00 and 00:01:00");
        Check(options.DisposeTimeout > TimeSpan.Zero && options.DisposeTimeout <= TimeSpan.FromHours(1), nameof(options.DisposeTimeout), options.DisposeTimeout, "it must be more than 00:00:00 and at most 01:00:00");
        Check(Enum.IsDefined(options.Clock), nameof(options.Clock), options.Clock, "it must be System or Coarse");
        Check(Enum.IsDefined(options.ForwardToLogger), nameof(options.ForwardToLogger), options.ForwardToLogger, "it must be None, Also or Only");
        return failures;
    }

    private static bool IsRedactionKey(string value)
    {
        byte[] decoded = new byte[(value.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(value, decoded, out int written) && written >= MinRedactionKeyBytes;
    }
}
