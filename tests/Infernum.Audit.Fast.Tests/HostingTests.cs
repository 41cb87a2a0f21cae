using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Hosting;
using Infernum.Audit.Fast.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>A real generic host: options from configuration, validation at start-up, live switches, drain on stop, the ILogger bridge.</summary>
[Collection(AllocationCollection.Name)]
public sealed class HostingTests : IDisposable
{
    private readonly TempFolder _temp = new("infernum-host");

    public void Dispose() => _temp.Dispose();

    private HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        return builder;
    }

    [Fact]
    public async Task Binds_options_from_configuration_and_stopping_leaves_every_event_in_the_file()
    {
        string path = Path.Combine(_temp.Path, "audit.jsonl");
        AuditLogger audit;
        using (IHost host = Builder(new() { ["Audit:FilePath"] = path, ["Audit:KeyPrefixLength"] = "4", ["Audit:WriteSequenceNumbers"] = "false" }).Build())
        {
            await host.StartAsync();
            audit = host.Services.GetRequiredService<AuditLogger>();
            for (int i = 0; i < 1_000; i++)
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            }

            await host.StopAsync();

            // Stopping flushes: every line is in the file before the host is disposed.
            string[] lines = File.ReadAllLines(path);
            Assert.Equal(1_000, lines.Length);
            Assert.Contains(",\"key_prefix\":\"sk-i\",", lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("\"seq\"", lines[0], StringComparison.Ordinal);
        }

        // The logger is disposed with the service provider, after everything that depends on it.
        Assert.Equal(AuditSinkHealth.Closed, audit.SinkHealth);
    }

    [Theory]
    [InlineData("KeyPrefixLength", "-1")]
    [InlineData("MaxBufferedBytes", "10")]
    [InlineData("MaxFileBytes", "100")]
    [InlineData("RetainedFiles", "0")]
    [InlineData("BlockTimeout", "01:00:00")]
    public async Task A_bad_value_fails_start_up_naming_the_key_and_value(string key, string value)
    {
        using IHost host = Builder(new() { ["Audit:FilePath"] = Path.Combine(_temp.Path, "a.jsonl"), ["Audit:" + key] = value }).Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Audit:" + key + " = " + value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_reload_flips_log_client_ip_for_the_next_event()
    {
        string path = Path.Combine(_temp.Path, "reload.jsonl");
        HostApplicationBuilder builder = Builder(new() { ["Audit:FilePath"] = path, ["Audit:LogClientIp"] = "true" });
        using IHost host = builder.Build();
        await host.StartAsync();
        AuditLogger audit = host.Services.GetRequiredService<AuditLogger>();
        audit.AuthSuccess("before", "10.0.0.1", "k", "/e");

        builder.Configuration["Audit:LogClientIp"] = "false";
        ((IConfigurationRoot)builder.Configuration).Reload(); // what a file provider does when appsettings.json changes

        Assert.False(audit.Options.LogClientIp);
        audit.AuthSuccess("after", "10.0.0.1", "k", "/e");
        await host.StopAsync();
        string[] lines = File.ReadAllLines(path);
        Assert.Contains("\"client_ip\"", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("\"client_ip\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bridge_forwards_each_event_with_category_event_id_and_fields()
    {
        var captured = new CapturingLoggerProvider();
        HostApplicationBuilder builder = Builder(new() { ["Audit:ForwardToLogger"] = "Only" });
        builder.Logging.AddProvider(captured);
        using IHost host = builder.Build();
        await host.StartAsync();
        AuditLogger audit = host.Services.GetRequiredService<AuditLogger>();
        audit.ScopeViolation("req-9", "10.0.0.1", "sk-inf-abcdefghijkl", "/api/models/load", "admin");
        TestEvents.Renamed(audit, "req-10", 404);
        await host.StopAsync();

        Assert.Equal(2, captured.Entries.Count);
        CapturedEntry scope = captured.Entries[0];
        Assert.Equal("Infernum.Audit", scope.Category);
        Assert.Equal(new EventId(5, "scope_violation"), scope.EventId);
        Assert.Equal("req-9", scope.State["request_id"]);
        Assert.Equal("Required scope: admin", scope.State["details"]);
        Assert.Equal(false, scope.State["success"]);
        Assert.StartsWith("{\"timestamp\":", scope.Message, StringComparison.Ordinal);
        CapturedEntry renamed = captured.Entries[1];
        Assert.Equal("renamed", renamed.EventId.Name);
        Assert.InRange(renamed.EventId.Id, 1000, 65535);
        Assert.Equal(404L, renamed.State["http_status"]);
    }

    [Fact]
    public void The_bridge_also_writes_to_its_inner_sink_without_a_host()
    {
        var captured = new CapturingLoggerProvider();
        var inner = new MemorySink();
        using (var audit = new AuditLogger(AuditLoggerBridge.Create(captured.CreateLogger("Infernum.Audit"), inner)))
        {
            audit.AuthFailure("req-1", null, "invalid_key", "/v1/chat/completions");
        }

        CapturedEntry entry = Assert.Single(captured.Entries);
        Assert.Equal(new EventId(2, "auth_failure"), entry.EventId);
        Assert.Equal(entry.Message, Assert.Single(inner.Lines));
        Assert.True(inner.Disposed);
    }

    [Fact]
    public async Task With_the_bridge_off_or_its_level_disabled_the_emitter_allocates_nothing()
    {
        var captured = new CapturingLoggerProvider { Enabled = false };
        HostApplicationBuilder builder = Builder(new() { ["Audit:ForwardToLogger"] = "Only" });
        builder.Logging.AddProvider(captured);
        using IHost host = builder.Build();
        await host.StartAsync();
        AuditLogger audit = host.Services.GetRequiredService<AuditLogger>();
        long allocated = Allocations.Measure(() => audit.AuthSuccess("r", "10.0.0.1", "k", "/e"), 2_000, 20_000);
        await host.StopAsync();
        Assert.Equal(0, allocated);
        Assert.Empty(captured.Entries);
    }

    private sealed record CapturedEntry(string Category, EventId EventId, Dictionary<string, object?> State, string Message);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public List<CapturedEntry> Entries { get; } = new();

        public bool Enabled { get; set; } = true;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => owner.Enabled && category == "Infernum.Audit";

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }

                var fields = ((IEnumerable<KeyValuePair<string, object?>>)state!).ToDictionary(p => p.Key, p => p.Value);
                lock (owner.Entries)
                {
                    owner.Entries.Add(new CapturedEntry(category, eventId, fields, formatter(state, exception)));
                }
            }
        }
    }
}
