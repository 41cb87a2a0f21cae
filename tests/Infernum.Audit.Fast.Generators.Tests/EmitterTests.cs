using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Generators;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>
/// Generated source, compared line by line with one checked-in baseline per scenario (<c>Baselines/</c>, version as
/// <c>%VERSION%</c>; run with <c>INFERNUM_UPDATE_BASELINES=1</c> to rewrite them after a deliberate change). Each
/// scenario also compiles with no warning.
/// </summary>
public sealed class EmitterTests
{
    internal const string Sample = GeneratorHarness.Usings + """
        namespace Sample.Audit
        {
            public enum Plan { Free, TeamPlus }

            public static partial class ApiEvents
            {
                [AuditEvent("token_refreshed", Endpoint = "/api/tokens", Details = "Refreshed for {userId} ({plan})")]
                public static partial bool TokenRefreshed(AuditLogger audit, string requestId, string? clientIp, [AuditKey] string key, string userId, Plan plan, int? attempts, [AuditRedact] string email);
            }

            public sealed partial class TenantEvents(AuditLogger audit)
            {
                [AuditEvent("tenant_switched", Endpoint = "/api/tenants")]
                internal partial void TenantSwitched(string requestId, Guid tenantId, double cost, bool success);
            }
        }
        """;

    /// <summary>Each scenario: one type's events, and the file of that type the baseline holds.</summary>
    public static readonly Dictionary<string, string> Scenarios = new()
    {
        ["enums"] = """
            public enum Tier : byte { Free, ProTier }
            [Flags] public enum Mask : ulong { None = 0, Read = 1, All = ulong.MaxValue }
            public static partial class Audits
            {
                [AuditEvent("enums", Endpoint = "/x", Details = "tier {tier}")]
                public static partial void Enums(AuditLogger audit, string requestId, Tier tier, Mask mask, Tier? maybe);
            }
            """,
        ["nullables"] = """
            public static partial class Audits
            {
                [AuditEvent("nullables", Endpoint = "/x")]
                public static partial void Nullables(AuditLogger audit, string requestId, string? clientIp, int? count, Guid? session, string? note, System.Net.IPAddress? peer);
            }
            """,
        ["formattable"] = """
            public static partial class Audits
            {
                [AuditEvent("formattable", Endpoint = "/x", Details = "v{version}")]
                public static partial void Formattable(AuditLogger audit, string requestId, Version version, Version? other);
            }
            """,
        ["field_logger"] = """
            public sealed partial class Audits
            {
                private readonly AuditLogger _audit;
                public Audits(AuditLogger audit) => _audit = audit;
                [AuditEvent("field_logger", Endpoint = "/x")]
                public partial void FieldLogger(string requestId, [AuditKey] string key);
            }
            """,
        ["nested_generics"] = """
            public partial class Outer<T>
            {
                public static partial class Audits<U, V> where V : struct
                {
                    [AuditEvent("nested_generics", Endpoint = "/x")]
                    public static partial void NestedGenerics(AuditLogger audit, string requestId);
                }
            }
            """,
        ["keyword_names"] = """
            public static partial class Audits
            {
                [AuditEvent("keyword_names", Endpoint = "/x", Details = "{class}")]
                public static partial void @event(AuditLogger @this, string requestId, string @class, int @int);
            }
            """,
        ["bool_return"] = """
            public static partial class Audits
            {
                [AuditEvent("bool_return", Endpoint = "/x")]
                internal static partial bool BoolReturn(AuditLogger audit, string requestId, [AuditRedact] string email);
            }
            """,
        ["extension_event"] = """
            public static partial class Audits
            {
                [AuditEvent("extension_event", Endpoint = "/x")]
                public static partial void ExtensionEvent(this AuditLogger audit, string requestId, System.Net.IPAddress clientIp);
            }
            """,
        ["params"] = """
            public static partial class Audits
            {
                [AuditEvent("params_event", Endpoint = "/x")]
                public static partial void ParamsEvent(AuditLogger audit, string requestId, scoped ReadOnlySpan<byte> utf8, params ReadOnlySpan<char> chars);
            }
            """,
        ["colliding_locals"] = """
            public static partial class Audits
            {
                [AuditEvent("colliding_locals", Endpoint = "/x")]
                public static partial void CollidingLocals(AuditLogger __logger, string requestId, [AuditField("w")] int __w, [AuditField("max")] long __max);
            }
            """,
    };

    public static TheoryData<string> ScenarioNames() => new(Scenarios.Keys);

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void A_scenario_generates_its_baseline_and_compiles_without_warnings(string scenario)
    {
        (ImmutableArray<Diagnostic> generator, ImmutableArray<Diagnostic> compilation, GeneratorDriverRunResult run) =
            GeneratorHarness.Run(GeneratorHarness.Usings + "namespace Scenario\n{\n" + Scenarios[scenario] + "}\n");

        Assert.Empty(generator);
        Assert.Empty(compilation.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        GeneratedSourceResult source = Assert.Single(run.Results.Single().GeneratedSources, s => s.HintName != "AuditEventCatalog.g.cs");
        AssertBaseline(Path.Combine("Scenarios", scenario + ".g.cs.txt"), source.SourceText.ToString());
    }

    [Fact]
    public void Generated_source_matches_the_checked_in_baseline_and_compiles_without_warnings()
    {
        (ImmutableArray<Diagnostic> generator, ImmutableArray<Diagnostic> compilation, GeneratorDriverRunResult run) = GeneratorHarness.Run(Sample);

        Assert.Empty(generator);
        Assert.Empty(compilation.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        GeneratedSourceResult[] sources = run.Results.Single().GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "AuditEventCatalog.g.cs", "Sample.Audit.ApiEvents.AuditEvents.g.cs", "Sample.Audit.TenantEvents.AuditEvents.g.cs" }, sources.Select(s => s.HintName));
        foreach (GeneratedSourceResult source in sources)
        {
            AssertBaseline(source.HintName + ".txt", source.SourceText.ToString());
        }
    }

    [Fact]
    public void An_emitter_is_kept_out_of_line_unless_the_declaration_says_how_to_compile_it()
    {
        const string source = GeneratorHarness.Usings + """
            namespace Sample.Audit
            {
                public static partial class Events
                {
                    [AuditEvent("plain", Endpoint = "/p")]
                    public static partial void Plain(AuditLogger audit, string requestId);

                    [AuditEvent("tuned", Endpoint = "/t")]
                    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
                    public static partial void Tuned(AuditLogger audit, string requestId);
                }
            }
            """;

        (ImmutableArray<Diagnostic> generator, ImmutableArray<Diagnostic> compilation, GeneratorDriverRunResult run) = GeneratorHarness.Run(source);

        Assert.Empty(generator);
        Assert.Empty(compilation.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string text = run.Results.Single().GeneratedSources.Single(s => s.HintName == "Sample.Audit.Events.AuditEvents.g.cs").SourceText.ToString();
        string[] methods = text.Split("GeneratedCodeAttribute(", StringSplitOptions.None).Skip(1).ToArray();
        Assert.Equal(2, methods.Length);
        Assert.Contains("MethodImplOptions.NoInlining", methods.Single(m => m.Contains(" Plain(", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("MethodImpl", methods.Single(m => m.Contains(" Tuned(", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    private static void AssertBaseline(string relativePath, string generated)
    {
        string path = Path.Combine(DiagnosticTests.RepositoryRoot(), "tests", "Infernum.Audit.Fast.Generators.Tests", "Baselines", relativePath);
        string actual = generated.Replace(AuditEventGenerator.Emitter.GeneratorVersion, "%VERSION%", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("INFERNUM_UPDATE_BASELINES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }

        string[] expected = File.ReadAllLines(path);
        string[] lines = actual.TrimEnd('\n').Split('\n');
        for (int i = 0; i < Math.Max(expected.Length, lines.Length); i++)
        {
            Assert.Equal(i < expected.Length ? expected[i] : "<end>", i < lines.Length ? lines[i].TrimEnd('\r') : "<end>");
        }
    }
}
