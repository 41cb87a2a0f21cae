using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>Checks every setting at start-up; each failure names the configuration key and the bad value.</summary>
internal sealed class InfernumAuditSettingsValidator : IValidateOptions<InfernumAuditSettings>
{
    private readonly string _section;

    public InfernumAuditSettingsValidator(string section) => _section = section;

    public ValidateOptionsResult Validate(string? name, InfernumAuditSettings options)
    {
        var failures = new List<string>();
        void Check(bool ok, string key, object value, string rule)
        {
            if (!ok)
            {
                failures.Add(string.Format(CultureInfo.InvariantCulture, "{0}:{1} = {2} is invalid: {3}.", _section, key, value, rule));
            }
        }

        Check(options.KeyPrefixLength is >= 0 and <= 256, nameof(options.KeyPrefixLength), options.KeyPrefixLength, "it must be between 0 and 256");
        Check(Enum.IsDefined(options.Sink), nameof(options.Sink), options.Sink, "it must be File or StandardOutput");
        Check(options.Sink != AuditSinkKind.File || !string.IsNullOrWhiteSpace(options.FilePath), nameof(options.FilePath), "''", "a file sink needs a path");
        Check(options.MaxFileBytes == 0 || options.MaxFileBytes >= 64 * 1024, nameof(options.MaxFileBytes), options.MaxFileBytes, "it must be 0 (never roll) or at least 65536");
        Check(options.RetainedFiles is >= 1 and <= 10_000, nameof(options.RetainedFiles), options.RetainedFiles, "it must be between 1 and 10000");
        Check(Enum.IsDefined(options.Fsync), nameof(options.Fsync), options.Fsync, "it must be None, Interval or EveryBatch");
        Check(options.MaxBufferedBytes is >= 64 * 1024 and <= 1L << 30, nameof(options.MaxBufferedBytes), options.MaxBufferedBytes, "it must be between 65536 and 1073741824");
        Check(Enum.IsDefined(options.FullMode), nameof(options.FullMode), options.FullMode, "it must be Block, Drop or FailClosed");
        Check(Enum.IsDefined(options.Clock), nameof(options.Clock), options.Clock, "it must be System or Coarse");
        Check(options.BlockTimeout >= TimeSpan.Zero && options.BlockTimeout <= TimeSpan.FromMinutes(1), nameof(options.BlockTimeout), options.BlockTimeout, "it must be between 00:00:00 and 00:01:00");
        Check(Enum.IsDefined(options.ForwardToLogger), nameof(options.ForwardToLogger), options.ForwardToLogger, "it must be None, Also or Only");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
