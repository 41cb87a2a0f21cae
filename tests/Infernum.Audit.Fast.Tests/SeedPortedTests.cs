using System;
using System.Text.Json;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>The seed module's seven unit tests, as behaviour kept (names follow the Rust tests).</summary>
public sealed class SeedPortedTests
{
    [Fact]
    public void test_audit_event_type_as_str()
    {
        Assert.Equal("auth_success", AuditEventType.AuthSuccess.ToWireName());
        Assert.Equal("auth_failure", AuditEventType.AuthFailure.ToWireName());
        Assert.Equal("auth_expired", AuditEventType.AuthExpired.ToWireName());
        Assert.Equal("auth_disabled", AuditEventType.AuthDisabled.ToWireName());
        Assert.Equal("scope_violation", AuditEventType.ScopeViolation.ToWireName());
        Assert.Equal("rate_limited", AuditEventType.RateLimited.ToWireName());
        Assert.Equal("model_load", AuditEventType.ModelLoad.ToWireName());
        Assert.Equal("model_unload", AuditEventType.ModelUnload.ToWireName());
        Assert.Equal("key_created", AuditEventType.KeyCreated.ToWireName());
        Assert.Equal("key_revoked", AuditEventType.KeyRevoked.ToWireName());
        Assert.Throws<ArgumentOutOfRangeException>(() => ((AuditEventType)99).ToWireName());
    }

    [Fact]
    public void test_audit_config_default()
    {
        var options = new AuditOptions();
        Assert.True(options.Enabled);
        Assert.True(options.LogClientIp);
        Assert.True(options.LogKeyPrefix);
        Assert.Equal(8, options.KeyPrefixLength);
    }

    [Fact]
    public void test_audit_config_disabled()
    {
        var options = new AuditOptions { Enabled = false };
        Assert.False(options.Enabled);
    }

    [Fact]
    public void test_audit_event_serialization()
    {
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink))
        {
            logger.AuthSuccess("req-123", "192.168.1.1", "sk-inf-abcdefghijklmnop", "/v1/chat/completions");
        }

        string line = Assert.Single(sink.Lines);
        using JsonDocument document = JsonDocument.Parse(line);
        JsonElement root = document.RootElement;
        Assert.Equal("auth_success", root.GetProperty("event_type").GetString());
        Assert.Equal("req-123", root.GetProperty("request_id").GetString());
        Assert.Equal("192.168.1.1", root.GetProperty("client_ip").GetString());
        Assert.Equal("sk-inf-a", root.GetProperty("key_prefix").GetString());
        Assert.True(root.GetProperty("success").GetBoolean());
    }

    [Fact]
    public void test_audit_logger_disabled()
    {
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink, new AuditOptions { Enabled = false }))
        {
            logger.AuthSuccess("req-1", "127.0.0.1", "sk-test", "/test");
            logger.AuthFailure("req-2", "127.0.0.1", "bad key", "/test");
        }

        Assert.Empty(sink.ToArray());
    }

    [Fact]
    public void test_audit_logger_key_prefix()
    {
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink))
        {
            logger.AuthSuccess("r", null, "sk-inf-abcdefghijklmnop", "/e");
        }

        using JsonDocument document = JsonDocument.Parse(Assert.Single(sink.Lines));
        Assert.Equal("sk-inf-a", document.RootElement.GetProperty("key_prefix").GetString());
    }

    [Fact]
    public void test_audit_logger_short_key()
    {
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink))
        {
            logger.AuthSuccess("r", null, "short", "/e");
        }

        using JsonDocument document = JsonDocument.Parse(Assert.Single(sink.Lines));
        Assert.Equal("short", document.RootElement.GetProperty("key_prefix").GetString());
    }
}
