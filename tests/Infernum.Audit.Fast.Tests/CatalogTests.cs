using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Tests.Support;
using NJsonSchema;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>
/// The generated catalog and JSON Schema: every line the tests write validates (by NJsonSchema, not our code), and no
/// secret passed to a key or redacted parameter reaches the output.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class CatalogTests
{
    private static readonly Lazy<JsonSchema> s_userSchema = new(() => JsonSchema.FromJsonAsync(AuditEventCatalog.JsonSchema).GetAwaiter().GetResult());
    private static readonly Lazy<JsonSchema> s_builtInSchema = new(() => JsonSchema.FromJsonAsync(AuditLogger.BuiltInJsonSchema).GetAwaiter().GetResult());

    [Fact]
    public void The_catalog_lists_every_event_with_its_fields_in_line_order()
    {
        Assert.Equal(10, AuditLogger.BuiltInEvents.Count);
        AuditEventDescriptor scope = Assert.Single(AuditLogger.BuiltInEvents, e => e.Name == "scope_violation");
        Assert.Equal(
            new[] { "timestamp", "event_type", "request_id", "client_ip", "key_prefix", "endpoint", "success", "details", "trace_id", "span_id" },
            scope.Fields.Select(f => f.Name));
        Assert.Equal(new[] { true, true, true, false, false, true, true, true, false, false }, scope.Fields.Select(f => f.Required));
        Assert.EndsWith("AuditLogger.ScopeViolation", scope.Method, StringComparison.Ordinal);

        AuditEventDescriptor completed = Assert.Single(AuditEventCatalog.Events, e => e.Name == "inference_completed");
        Assert.Equal(
            new[] { "integer", "integer", "string", "number|null", "boolean", "string|integer" },
            completed.Fields.Skip(5).Take(6).Select(f => f.JsonType));
        Assert.True(AuditEventCatalog.Events.Count >= 20, $"{AuditEventCatalog.Events.Count} events");
    }

    [Fact]
    public void Every_generated_event_line_validates_against_the_emitted_schema()
    {
        // NJsonSchema reads every number as a decimal: ulong.MaxValue (a BigInteger to its parser) and double.MaxValue
        // overflow it, so those two events are written with in-range values here (the exact-line tests cover the extremes).
        var calls = GeneratedEventTests.Events.ToDictionary(e => e.Key, e => e.Value.Call);
        calls["all_integers"] = l => TestEvents.AllIntegers(l, "r", -1, 2, -3, 4, -5, 6, -7, 8);
        calls["floating_point"] = l => TestEvents.FloatingPoint(l, "r", float.NaN, 12.5, 9.99m);
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink))
        {
            foreach (Action<AuditLogger> call in calls.Values)
            {
                call(logger);
            }
        }

        string[] lines = sink.Lines;
        Assert.Equal(GeneratedEventTests.Events.Count, lines.Length);
        foreach (string line in lines)
        {
            ICollection<NJsonSchema.Validation.ValidationError> errors = s_userSchema.Value.Validate(line);
            Assert.True(errors.Count == 0, line + "\n" + string.Join("\n", errors));
        }
    }

    [Fact]
    public void Every_seed_event_line_and_drop_record_validates_against_the_built_in_schema()
    {
        var memory = new MemorySink();
        var sink = new GatedSink(memory);
        var logger = new AuditLogger(sink, new AuditOptions { LogClientIp = true }, new AuditDeliveryOptions { MaxBufferedBytes = 64 * 1024, FullMode = AuditFullMode.Drop });
        foreach (SeedEvents.Call call in SeedEvents.All.Values)
        {
            call(logger, "req-1", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/x");
            call(logger, "req-2", null, "k", "/v1/\"quoted\"\n");
        }

        for (int i = 0; i < 1_000; i++)
        {
            logger.AuthSuccess("fill-" + i, null, "k", "/e"); // overflows the bound: drops and their record
        }

        sink.Open();
        logger.Dispose();
        string[] lines = memory.Lines;
        Assert.Contains(lines, l => l.Contains("\"audit_dropped\"", StringComparison.Ordinal));
        foreach (string line in lines)
        {
            ICollection<NJsonSchema.Validation.ValidationError> errors = s_builtInSchema.Value.Validate(line);
            Assert.True(errors.Count == 0, line + "\n" + string.Join("\n", errors));
        }
    }

    [Fact]
    public void The_schema_rejects_a_line_that_breaks_it()
    {
        string valid = "{\"timestamp\":\"2026-11-27T21:55:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"r\",\"endpoint\":\"/e\",\"success\":true,\"seq\":1}";
        Assert.Empty(s_builtInSchema.Value.Validate(valid));
        Assert.NotEmpty(s_builtInSchema.Value.Validate(valid.Replace("\"success\":true", "\"success\":false", StringComparison.Ordinal)));
        Assert.NotEmpty(s_builtInSchema.Value.Validate(valid.Replace(",\"seq\":1", ",\"extra\":1", StringComparison.Ordinal)));
        Assert.NotEmpty(s_builtInSchema.Value.Validate(valid.Replace(".0000000Z", "Z", StringComparison.Ordinal)));
    }

    [Fact]
    public void No_secret_passed_to_a_key_or_redacted_parameter_reaches_the_output()
    {
        const string Canary = "CANARY-7d41f0c2e9b85a36-SECRET";
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink))
        {
            // Every key or redacted parameter of every event, built-in and user-declared.
            logger.AuthSuccess("r", null, Canary, "/e");
            logger.AuthExpired("r", null, Canary, "/e");
            logger.AuthDisabled("r", null, Canary, "/e");
            logger.ScopeViolation("r", null, Canary, "/e", "scope");
            logger.RateLimited("r", null, Canary, "/e");
            logger.ModelLoad("r", null, Canary, "m", true);
            logger.ModelUnload("r", null, Canary, "m", true);
            logger.KeyCreated("r", null, Canary, "sk-new");
            logger.KeyRevoked("r", null, Canary, "sk-old");
            TestEvents.ApiRequest(logger, "r", null, Canary);
            TestEvents.Secrets(logger, "r", Canary, Canary, Canary);
            logger.Options = new AuditOptions { KeyPrefixLength = 0 };
            TestEvents.Secrets(logger, "r", Canary, Canary, Canary);
        }

        string output = sink.Text;
        Assert.True(sink.Lines.Length == 12, output);
        string allowedPrefix = Canary[..8];
        for (int start = 0; start + 9 <= Canary.Length; start++)
        {
            string piece = Canary.Substring(start, 9);
            Assert.False(output.Contains(piece, StringComparison.Ordinal), $"'{piece}' of the canary is in the output");
        }

        Assert.Contains(allowedPrefix, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(Encoding.UTF8.GetBytes(Canary))[..18], output, StringComparison.OrdinalIgnoreCase);
    }
}
