using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using Infernum.Audit.Fast.Hosting;
using Infernum.Audit.Fast.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>
/// The host integration as a new user meets it: registration order, the redaction key, reloads (good, bad, and what
/// code set), unknown keys, relative paths, every core option bindable, sink faults and the names in error messages.
/// </summary>
public sealed class HostSettingsTests : IDisposable
{
    // 32 bytes, base64: what `openssl rand -base64 32` prints.
    private const string RedactionKey = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

    private readonly TempFolder _temp = new("infernum-host-settings");

    public void Dispose() => _temp.Dispose();

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings, RecordingLoggerProvider? log = null, string? contentRoot = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(settings);
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
        }

        return builder;
    }

    private static void Reload(HostApplicationBuilder builder) => ((IConfigurationRoot)builder.Configuration).Reload();

    [Fact]
    public async Task A_hosted_service_registered_before_AddInfernumAudit_has_every_event_it_logs_while_stopping_in_the_file()
    {
        string path = _temp.File("stop.jsonl");
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = path });
        builder.Services.AddHostedService<LogsWhileStopping>();
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();
        await host.StartAsync();

        await host.StopAsync();

        // Read before the host is disposed: stopping alone must have put them in the file.
        string[] lines = File.ReadAllLines(path);
        Assert.Equal(LogsWhileStopping.Events, lines.Length);
        Assert.DoesNotContain(lines, l => l.Contains("audit_dropped", StringComparison.Ordinal));
        Assert.Equal(0, host.Services.GetRequiredService<AuditLogger>().Counters.Dropped);
    }

    [Fact]
    public async Task Events_logged_after_every_service_stopped_are_written_when_the_host_is_disposed()
    {
        string path = _temp.File("stopped.jsonl");
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = path });
        builder.Services.AddHostedService<LogsWhenStopped>();
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        AuditLogger audit;
        using (IHost host = builder.Build())
        {
            await host.StartAsync();
            audit = host.Services.GetRequiredService<AuditLogger>();
            await host.StopAsync();
        }

        Assert.Equal(LogsWhenStopped.Events, File.ReadAllLines(path).Length);
        Assert.Equal(AuditSinkHealth.Closed, audit.SinkHealth);
    }

    [Fact]
    public async Task The_configured_redaction_key_makes_the_fingerprint_and_survives_a_reload()
    {
        string path = _temp.File("redact.jsonl");
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = path, ["Audit:RedactionKey"] = RedactionKey, ["Audit:WriteSequenceNumbers"] = "false" });
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();
        await host.StartAsync();
        AuditLogger audit = host.Services.GetRequiredService<AuditLogger>();
        TestEvents.Secrets(audit, "r1", "sk-inf-abcdefghijkl", "alice@example.com", null);
        builder.Configuration["Audit:LogClientIp"] = "false";
        Reload(builder);
        TestEvents.Secrets(audit, "r2", "sk-inf-abcdefghijkl", "alice@example.com", null);
        await host.StopAsync();

        string expected = "\"email\":\"" + Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromBase64String(RedactionKey), Encoding.UTF8.GetBytes("alice@example.com")))[..12] + "\"";
        string[] lines = File.ReadAllLines(path);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c2hvcnQta2V5")] // base64, but 9 bytes
    [InlineData("not base64 at all, and long enough to be a key!")]
    public async Task A_bad_redaction_key_fails_start_up_naming_the_key_and_never_showing_it(string value)
    {
        var log = new RecordingLoggerProvider();
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = _temp.File("k.jsonl"), ["Audit:RedactionKey"] = value }, log);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Audit:RedactionKey is invalid", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, log.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_good_redaction_key_and_its_reload_never_reach_a_log()
    {
        var log = new RecordingLoggerProvider();
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = _temp.File("k.jsonl"), ["Audit:RedactionKey"] = RedactionKey, ["Audit:KeyPrefixLength"] = "4" }, log);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();
        await host.StartAsync();
        builder.Configuration["Audit:RedactionKey"] = "short";
        builder.Configuration["Audit:KeyPrefixLength"] = "-2";
        Reload(builder);
        await host.StopAsync();

        Assert.Contains("Audit:KeyPrefixLength = -2", log.AllText, StringComparison.Ordinal);
        Assert.Contains("Audit:RedactionKey is invalid", log.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(RedactionKey, log.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("short", log.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reload_keeps_what_code_set_at_registration_and_at_run_time()
    {
        string path = _temp.File("code.jsonl");
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = path, ["Audit:LogClientIp"] = "true", ["Audit:RedactionKey"] = RedactionKey });
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"), o => o.LogKeyPrefix = false);
        using IHost host = builder.Build();
        await host.StartAsync();
        AuditLogger audit = host.Services.GetRequiredService<AuditLogger>();
        byte[] key = audit.Options.RedactionKey!;
        audit.Options = audit.Options with { KeyPrefixLength = 3 };

        builder.Configuration["Audit:LogClientIp"] = "false";
        builder.Configuration["Audit:WriteTraceContext"] = "true";
        Reload(builder);

        AuditOptions after = audit.Options;
        Assert.False(after.LogClientIp);        // configuration changed it
        Assert.True(after.WriteTraceContext);   // and this
        Assert.False(after.LogKeyPrefix);       // code set it at registration
        Assert.Equal(3, after.KeyPrefixLength); // code set it at run time
        Assert.Equal(key, after.RedactionKey);  // configuration did not change it
        await host.StopAsync();
    }

    [Fact]
    public async Task Code_configuration_wins_over_the_section_whatever_the_order_of_the_calls()
    {
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = _temp.File("o.jsonl"), ["Audit:KeyPrefixLength"] = "12" });
        builder.Services.Configure<InfernumAuditSettings>(o => o.KeyPrefixLength = 5);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();
        await host.StartAsync();

        Assert.Equal(5, host.Services.GetRequiredService<AuditLogger>().Options.KeyPrefixLength);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("KeyPrefixLength", "-1", "Audit:KeyPrefixLength = -1 is invalid")]
    [InlineData("KeyPrefixLength", "eight", "Audit:KeyPrefixLength")]
    [InlineData("Enabled", "maybe", "Audit:Enabled")]
    [InlineData("FsyncInterval", "00:00:00", "Audit:FsyncInterval = 00:00:00 is invalid")]
    public async Task A_rejected_reload_is_reported_through_ILogger_and_the_last_good_settings_stay(string key, string value, string expected)
    {
        var log = new RecordingLoggerProvider();
        string path = _temp.File("bad-reload.jsonl");
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = path, ["Audit:KeyPrefixLength"] = "4", ["Audit:LogClientIp"] = "true" }, log);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();
        await host.StartAsync();
        AuditLogger audit = host.Services.GetRequiredService<AuditLogger>();

        builder.Configuration["Audit:" + key] = value;
        builder.Configuration["Audit:LogClientIp"] = "false"; // a good change in the same reload is not applied either
        Reload(builder);

        Assert.Equal(4, audit.Options.KeyPrefixLength);
        Assert.True(audit.Options.LogClientIp);
        RecordingLoggerProvider.Record error = Assert.Single(log.Records, r => r.Level == LogLevel.Error);
        Assert.Equal(InfernumAuditServiceCollectionExtensions.DiagnosticsCategory, error.Category);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);

        // The next good reload applies.
        builder.Configuration["Audit:" + key] = key == "KeyPrefixLength" ? "6" : key == "Enabled" ? "true" : "00:00:02";
        Reload(builder);
        Assert.False(audit.Options.LogClientIp);
        await host.StopAsync();
    }

    [Fact]
    public async Task Unknown_keys_in_the_section_are_reported_with_the_closest_setting()
    {
        var log = new RecordingLoggerProvider();
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilPath"] = "x.jsonl", ["Audit:FilePath"] = _temp.File("u.jsonl"), ["Audit:logclientIP"] = "false", ["Audit:Colour"] = "blue" }, log);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();
        await host.StartAsync();
        builder.Configuration["Audit:RetaindFiles"] = "3";
        Reload(builder);
        await host.StopAsync();

        string[] warnings = log.Records.Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToArray();
        Assert.Contains("Audit:FilPath is not an Infernum.Audit.Fast setting and is ignored; did you mean FilePath?", warnings);
        Assert.Contains("Audit:Colour is not an Infernum.Audit.Fast setting and is ignored.", warnings);
        Assert.Contains("Audit:RetaindFiles is not an Infernum.Audit.Fast setting and is ignored; did you mean RetainedFiles?", warnings);
        Assert.Equal(3, warnings.Length); // a differently cased key is a setting; each unknown key once
        Assert.False(host.Services.GetRequiredService<AuditLogger>().Options.LogClientIp);
    }

    [Fact]
    public async Task A_relative_file_path_is_taken_from_the_content_root_not_the_working_directory()
    {
        string root = _temp.File("content-root");
        Directory.CreateDirectory(root);
        var log = new RecordingLoggerProvider();
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = "logs/relative-audit.jsonl" }, log, contentRoot: root);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using (IHost host = builder.Build())
        {
            await host.StartAsync();
            host.Services.GetRequiredService<AuditLogger>().AuthFailure("r", null, "invalid_key", "/e");
            await host.StopAsync();
        }

        string expected = Path.Combine(root, "logs", "relative-audit.jsonl");
        Assert.Single(File.ReadAllLines(expected));
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "logs", "relative-audit.jsonl")));
        Assert.Contains(log.Records, r => r.Message == "Audit lines go to " + expected + ".");
    }

    [Fact]
    public void Every_core_option_has_a_setting_of_the_same_name_listed_for_unknown_key_checks()
    {
        string[] settings = typeof(InfernumAuditSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).Order().ToArray();
        Assert.Equal(settings, InfernumAuditSettings.All.Select(s => s.Key).Order().ToArray());

        // Callbacks are code, not settings: the host fills them in (sink faults and repairs go to ILogger).
        string[] core = new[] { typeof(AuditOptions), typeof(AuditDeliveryOptions), typeof(AuditFileOptions) }
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(p => p.CanWrite && !typeof(Delegate).IsAssignableFrom(p.PropertyType) && p.Name != "EqualityContract")

            // Not settings: the host decides which termination signals it handles and drains the logger when it stops.
            .Where(p => p.Name is not nameof(AuditDeliveryOptions.DrainOnTerminationSignals) and not nameof(AuditDeliveryOptions.SignalsHandledByHost))
            .Select(p => p.Name)
            .ToArray();
        Assert.NotEmpty(core);
        Assert.All(core, name => Assert.Contains(name, settings));
    }

    [Fact]
    public void Every_setting_is_documented_with_its_default()
    {
        string xml = Path.ChangeExtension(typeof(InfernumAuditSettings).Assembly.Location, ".xml");
        XDocument docs = XDocument.Load(xml);
        foreach (PropertyInfo property in typeof(InfernumAuditSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            XElement? member = docs.Descendants("member").SingleOrDefault(m => (string?)m.Attribute("name") == "P:" + property.DeclaringType!.FullName + "." + property.Name);
            Assert.True(member is not null, property.Name + " has no XML doc");
            Assert.Contains("Default", member!.Element("summary")!.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_setting_binds_from_configuration_into_the_logger()
    {
        HostApplicationBuilder builder = Builder(new()
        {
            ["Audit:Enabled"] = "false", ["Audit:LogClientIp"] = "false", ["Audit:LogKeyPrefix"] = "false", ["Audit:KeyPrefixLength"] = "5",
            ["Audit:RedactionKey"] = RedactionKey, ["Audit:WriteTraceContext"] = "true", ["Audit:Sink"] = "File", ["Audit:FilePath"] = _temp.File("all.jsonl"), ["Audit:MaxFileBytes"] = "70000",
            ["Audit:RetainedFiles"] = "3", ["Audit:Fsync"] = "Interval", ["Audit:FsyncInterval"] = "00:00:00.250", ["Audit:MaxBufferedBytes"] = "131072",
            ["Audit:FullMode"] = "FailClosed", ["Audit:BlockTimeout"] = "00:00:00.100", ["Audit:DisposeTimeout"] = "00:00:07", ["Audit:WriteSequenceNumbers"] = "false",
            ["Audit:Clock"] = "Coarse", ["Audit:ForwardToLogger"] = "Also",
        });
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using IHost host = builder.Build();
        await host.StartAsync();
        InfernumAuditSettings s = host.Services.GetRequiredService<HostedAuditLoggerState>().Applied;

        Assert.Equal(
            (false, false, false, 5, RedactionKey, 70000L, 3, AuditFsyncPolicy.Interval, TimeSpan.FromMilliseconds(250), 131072L, AuditFullMode.FailClosed, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(7), false, AuditClock.Coarse, AuditLoggerBridgeMode.Also),
            (s.Enabled, s.LogClientIp, s.LogKeyPrefix, s.KeyPrefixLength, s.RedactionKey, s.MaxFileBytes, s.RetainedFiles, s.Fsync, s.FsyncInterval, s.MaxBufferedBytes, s.FullMode, s.BlockTimeout, s.DisposeTimeout, s.WriteSequenceNumbers, s.Clock, s.ForwardToLogger));
        AuditFileOptions file = s.ToFileOptions();
        AuditDeliveryOptions delivery = s.ToDeliveryOptions(null);
        Assert.Equal((70000L, 3, AuditFsyncPolicy.Interval, TimeSpan.FromMilliseconds(250)), (file.MaxFileBytes, file.RetainedFiles, file.Fsync, file.FsyncInterval));
        Assert.Equal((131072L, AuditFullMode.FailClosed, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(7), false, AuditClock.Coarse), (delivery.MaxBufferedBytes, delivery.FullMode, delivery.BlockTimeout, delivery.DisposeTimeout, delivery.WriteSequenceNumbers, delivery.Clock));
        AuditOptions options = host.Services.GetRequiredService<AuditLogger>().Options;
        Assert.Equal((false, false, false, 5, true), (options.Enabled, options.LogClientIp, options.LogKeyPrefix, options.KeyPrefixLength, options.WriteTraceContext));
        Assert.Equal(Convert.FromBase64String(RedactionKey), options.RedactionKey);
        await host.StopAsync();
    }

    [Fact]
    public async Task Sink_faults_reach_ILogger()
    {
        // /dev/full takes the open and fails every write with ENOSPC: a real disk-full fault.
        Assert.True(File.Exists("/dev/full"), "/dev/full is missing");
        var log = new RecordingLoggerProvider();
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = "/dev/full", ["Audit:DisposeTimeout"] = "00:00:01" }, log);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        using (IHost host = builder.Build())
        {
            await host.StartAsync();
            host.Services.GetRequiredService<AuditLogger>().AuthFailure("r", null, "invalid_key", "/e");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!log.Records.Any(r => r.EventId.Name == "AuditSinkFault") && !timeout.IsCancellationRequested)
            {
                await Task.Delay(10);
            }

            await host.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
        }

        RecordingLoggerProvider.Record fault = log.Records.First(r => r.EventId.Name == "AuditSinkFault");
        Assert.Equal(LogLevel.Error, fault.Level);
        Assert.Equal(InfernumAuditServiceCollectionExtensions.DiagnosticsCategory, fault.Category);
        Assert.IsAssignableFrom<IOException>(fault.Exception);
    }

    [Fact]
    public async Task A_configured_value_fails_under_its_key_as_written_and_a_code_value_under_its_code_name()
    {
        HostApplicationBuilder fromConfiguration = Builder(new() { ["audit:keyPREFIXlength"] = "300" });
        fromConfiguration.Services.AddInfernumAudit(fromConfiguration.Configuration.GetSection("Audit"));
        using IHost first = fromConfiguration.Build();
        OptionsValidationException configured = await Assert.ThrowsAsync<OptionsValidationException>(() => first.StartAsync());
        // The section's path is the one code asked for; the key under it is spelt as in the source.
        Assert.Contains("Audit:keyPREFIXlength = 300 is invalid: it must be between 0 and 256.", configured.Message, StringComparison.Ordinal);

        HostApplicationBuilder fromCode = Builder(new() { ["Audit:KeyPrefixLength"] = "8", ["Audit:FilePath"] = _temp.File("c.jsonl") });
        fromCode.Services.AddInfernumAudit(fromCode.Configuration.GetSection("Audit"), o => o.RetainedFiles = 0);
        using IHost second = fromCode.Build();
        OptionsValidationException coded = await Assert.ThrowsAsync<OptionsValidationException>(() => second.StartAsync());
        Assert.Contains("InfernumAuditSettings.RetainedFiles (set in code) = 0 is invalid", coded.Message, StringComparison.Ordinal);

        HostApplicationBuilder codeOnly = Builder(new());
        codeOnly.Services.AddInfernumAudit(o => o.BlockTimeout = TimeSpan.FromHours(2));
        using IHost third = codeOnly.Build();
        OptionsValidationException codeOnlyError = await Assert.ThrowsAsync<OptionsValidationException>(() => third.StartAsync());
        Assert.Contains("InfernumAuditSettings.BlockTimeout (set in code) = 02:00:00 is invalid", codeOnlyError.Message, StringComparison.Ordinal);
    }

    private sealed class LogsWhileStopping(AuditLogger audit) : IHostedService
    {
        public const int Events = 20_000;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            for (int i = 0; i < Events; i++)
            {
                audit.AuthSuccess("stop-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            }

            return Task.CompletedTask;
        }
    }

    private sealed class LogsWhenStopped(AuditLogger audit) : IHostedLifecycleService
    {
        public const int Events = 1_000;

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken)
        {
            for (int i = 0; i < Events; i++)
            {
                audit.AuthFailure("stopped-" + i, null, "invalid_key", "/v1/models");
            }

            return Task.CompletedTask;
        }
    }
}
