using System;
using System.Collections.Generic;
using System.Net;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>The built-in events taking the client address as an <see cref="IPAddress"/>: the string overload's line, byte for byte, and no allocation.</summary>
[Collection(AllocationCollection.Name)]
public sealed class IPAddressEventTests
{
    public static TheoryData<string> Addresses => new()
    {
        "192.168.1.1", "0.0.0.0", "255.255.255.255", "::1", "::", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "fe80::1%3",
        "::ffff:10.0.0.1", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "fe80::abcd:ef01:2345:6789%4294967295",
    };

    private static readonly IReadOnlyList<(string Name, Action<AuditLogger, string?> WithString, Action<AuditLogger, IPAddress?> WithAddress, Action<AuditLogger, IPAddress?> WithSpanId)> Events =
    [
        ("auth_success", (a, ip) => a.AuthSuccess("r", ip, "sk-inf-abcdefghijkl", "/v1/chat/completions"), (a, ip) => a.AuthSuccess("r", ip, "sk-inf-abcdefghijkl", "/v1/chat/completions"), (a, ip) => a.AuthSuccess("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "/v1/chat/completions")),
        ("auth_failure", (a, ip) => a.AuthFailure("r", ip, "invalid_key", "/v1/models"), (a, ip) => a.AuthFailure("r", ip, "invalid_key", "/v1/models"), (a, ip) => a.AuthFailure("r".AsSpan(), ip, "invalid_key", "/v1/models")),
        ("auth_expired", (a, ip) => a.AuthExpired("r", ip, "sk-inf-abcdefghijkl", "/v1/models"), (a, ip) => a.AuthExpired("r", ip, "sk-inf-abcdefghijkl", "/v1/models"), (a, ip) => a.AuthExpired("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "/v1/models")),
        ("auth_disabled", (a, ip) => a.AuthDisabled("r", ip, "sk-inf-abcdefghijkl", "/v1/models"), (a, ip) => a.AuthDisabled("r", ip, "sk-inf-abcdefghijkl", "/v1/models"), (a, ip) => a.AuthDisabled("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "/v1/models")),
        ("scope_violation", (a, ip) => a.ScopeViolation("r", ip, "sk-inf-abcdefghijkl", "/api/keys", "admin"), (a, ip) => a.ScopeViolation("r", ip, "sk-inf-abcdefghijkl", "/api/keys", "admin"), (a, ip) => a.ScopeViolation("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "/api/keys", "admin")),
        ("rate_limited", (a, ip) => a.RateLimited("r", ip, null, "/v1/models"), (a, ip) => a.RateLimited("r", ip, null, "/v1/models"), (a, ip) => a.RateLimited("r".AsSpan(), ip, null, "/v1/models")),
        ("model_load", (a, ip) => a.ModelLoad("r", ip, "sk-inf-abcdefghijkl", "llama", true), (a, ip) => a.ModelLoad("r", ip, "sk-inf-abcdefghijkl", "llama", true), (a, ip) => a.ModelLoad("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "llama", true)),
        ("model_unload", (a, ip) => a.ModelUnload("r", ip, "sk-inf-abcdefghijkl", "llama", false), (a, ip) => a.ModelUnload("r", ip, "sk-inf-abcdefghijkl", "llama", false), (a, ip) => a.ModelUnload("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "llama", false)),
        ("key_created", (a, ip) => a.KeyCreated("r", ip, "sk-inf-abcdefghijkl", "sk-inf-n"), (a, ip) => a.KeyCreated("r", ip, "sk-inf-abcdefghijkl", "sk-inf-n"), (a, ip) => a.KeyCreated("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "sk-inf-n")),
        ("key_revoked", (a, ip) => a.KeyRevoked("r", ip, "sk-inf-abcdefghijkl", "sk-inf-o"), (a, ip) => a.KeyRevoked("r", ip, "sk-inf-abcdefghijkl", "sk-inf-o"), (a, ip) => a.KeyRevoked("r".AsSpan(), ip, "sk-inf-abcdefghijkl", "sk-inf-o")),
    ];

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Each_event_writes_the_same_line_as_with_the_address_text(string text)
    {
        IPAddress address = IPAddress.Parse(text);
        foreach ((string name, Action<AuditLogger, string?> withString, Action<AuditLogger, IPAddress?> withAddress, Action<AuditLogger, IPAddress?> withSpanId) in Events)
        {
            foreach (bool logClientIp in new[] { true, false })
            {
                var options = new AuditOptions { LogClientIp = logClientIp };
                var sink = new MemorySink();
                using (var audit = new AuditLogger(sink, options, new AuditDeliveryOptions { WriteSequenceNumbers = false }))
                {
                    withString(audit, address.ToString());
                    withAddress(audit, address);
                    withString(audit, null);
                    withAddress(audit, null);
                    withSpanId(audit, address);
                    withSpanId(audit, null);
                }

                // The overloads taking the request id as a char span write the same two lines.
                string[] lines = sink.Lines;
                Assert.Equal(6, lines.Length);
                Assert.Equal(AuditLine.WithoutTimestamp(lines[1]), AuditLine.WithoutTimestamp(lines[4]));
                Assert.Equal(AuditLine.WithoutTimestamp(lines[3]), AuditLine.WithoutTimestamp(lines[5]));
                Assert.Equal(AuditLine.WithoutTimestamp(lines[0]), AuditLine.WithoutTimestamp(lines[1]));
                Assert.Equal(AuditLine.WithoutTimestamp(lines[2]), AuditLine.WithoutTimestamp(lines[3]));
                Assert.Contains("\"event_type\":\"" + name + "\"", lines[1], StringComparison.Ordinal);
                Assert.Equal(logClientIp, lines[1].Contains("\"client_ip\":\"" + address + "\"", StringComparison.Ordinal));
                Assert.DoesNotContain("client_ip", lines[3], StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_address_overloads_allocate_nothing()
    {
        using var audit = new AuditLogger(new DiscardSink());
        IPAddress v4 = IPAddress.Parse("203.0.113.9");
        IPAddress v6 = IPAddress.Parse("fe80::abcd:ef01:2345:6789%4");
        foreach ((_, _, Action<AuditLogger, IPAddress?> withAddress, Action<AuditLogger, IPAddress?> withSpanId) in Events)
        {
            Assert.Equal(0, Allocations.Measure(() => withAddress(audit, v4), 5_000, 20_000, audit.Flush));
            Assert.Equal(0, Allocations.Measure(() => withAddress(audit, v6), 5_000, 20_000, audit.Flush));
            Assert.Equal(0, Allocations.Measure(() => withSpanId(audit, v6), 5_000, 20_000, audit.Flush));
        }
    }
}
