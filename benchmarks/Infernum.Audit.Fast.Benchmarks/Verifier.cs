using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Infernum.Audit.Fast.Benchmarks.Contenders;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// Checks, outside any timing, that a contender really writes the event: one JSON line per call, holding the
/// event's values. Each library lays its JSON out its own way, so values are searched anywhere in the object.
/// </summary>
public static class Verifier
{
    public static readonly Guid SessionId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    public static IContender Create(string name, Output output) => name switch
    {
        "Naive" => new NaiveContender(output),
        "Infernum" => new InfernumContender(output),
        "InfernumEvidence" => new InfernumContender(output, evidence: true),
        "SeedStyle" => new SeedStyleContender(output),
        "LoggerMessage" => new LoggerMessageContender(output),
        "ZLogger" => new ZLoggerContender(output),
        "Serilog" => new SerilogContender(output),
        "NLog" => new NLogContender(output),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown contender."),
    };

    public static readonly string[] Names = { "Naive", "Infernum", "SeedStyle", "LoggerMessage", "ZLogger", "Serilog", "NLog" };

    /// <summary>Writes the three events through <paramref name="name"/> and checks the captured lines; returns them.</summary>
    public static string[] Verify(string name)
    {
        var capture = new MemoryStream();
        using (IContender contender = Create(name, Output.ToCapture(capture)))
        {
            contender.AuthSuccess("req-verify", "192.168.1.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            contender.ScopeViolation("req-verify", "192.168.1.1", "sk-inf-abcdefghijkl", "/api/models/load", "admin");
            contender.InferenceCompleted("req-verify", 512, 4096, SessionId, 12.5, true, ModelTier.EnterpriseGold);
            contender.Drain();
        }

        string[] lines = Encoding.UTF8.GetString(capture.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Expect(lines.Length == 3, name, $"3 lines, got {lines.Length}");
        Expect(Values(lines[0]), name, "auth_success", "req-verify", "192.168.1.1", "sk-inf-a", "/v1/chat/completions");
        Expect(Values(lines[1]), name, "scope_violation", "req-verify", "/api/models/load", "admin");
        Expect(Values(lines[2]), name, "inference_completed", "512", "4096", SessionId.ToString(), "12.5");
        Expect(!lines[0].Contains("abcdefghijkl", StringComparison.Ordinal), name, "no whole key in the line");
        return lines;
    }

    private static void Expect(bool condition, string name, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"{name}: expected {what}");
        }
    }

    private static void Expect(HashSet<string> values, string name, params string[] expected)
    {
        foreach (string value in expected)
        {
            Expect(values.Any(v => v == value || v.Contains(value, StringComparison.Ordinal)), name, $"a value '{value}' in [{string.Join(", ", values)}]");
        }
    }

    // Every scalar of the JSON object, as text.
    private static HashSet<string> Values(string line)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        using JsonDocument document = JsonDocument.Parse(line);
        Collect(document.RootElement, values);
        return values;
    }

    private static void Collect(JsonElement element, HashSet<string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    Collect(property.Value, values);
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Collect(item, values);
                }

                break;
            case JsonValueKind.String:
                values.Add(element.GetString()!);
                break;
            default:
                values.Add(element.GetRawText());
                break;
        }
    }
}
