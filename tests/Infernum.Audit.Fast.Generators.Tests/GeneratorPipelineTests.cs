using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Infernum.Audit.Fast.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>Baselines of generated source, incremental caching, and a model free of Roslyn objects.</summary>
public sealed class GeneratorPipelineTests
{
    private const string Sample = GeneratorHarness.Usings + """
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

    [Fact]
    public void Generated_source_matches_the_checked_in_baseline_and_compiles_without_warnings()
    {
        (ImmutableArray<Diagnostic> generator, ImmutableArray<Diagnostic> compilation, GeneratorDriverRunResult run) = GeneratorHarness.Run(Sample);

        Assert.Empty(generator);
        Assert.Empty(compilation.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string baselines = Path.Combine(DiagnosticTests.RepositoryRoot(), "tests", "Infernum.Audit.Fast.Generators.Tests", "Baselines");
        GeneratedSourceResult[] sources = run.Results.Single().GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "AuditEventCatalog.g.cs", "Sample.Audit.ApiEvents.AuditEvents.g.cs", "Sample.Audit.TenantEvents.AuditEvents.g.cs" }, sources.Select(s => s.HintName));
        foreach (GeneratedSourceResult source in sources)
        {
            string actual = source.SourceText.ToString().Replace(AuditEventGenerator.Emitter.GeneratorVersion, "%VERSION%", StringComparison.Ordinal);
            string path = Path.Combine(baselines, source.HintName + ".txt");
            if (Environment.GetEnvironmentVariable("INFERNUM_UPDATE_BASELINES") == "1")
            {
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

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_and_an_attribute_change_modifies_it()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Sample, "class Unrelated { int x; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        // Unrelated edit in another file.
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, other.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("class Unrelated { int x; int y; }")));
        GeneratorRunResult unrelated = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (string step in new[] { "AuditEvents.Parse", "AuditEvents.Events" })
        {
            Assert.All(
                unrelated.TrackedSteps[step].SelectMany(s => s.Outputs),
                output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
        }

        Assert.All(unrelated.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));

        // The attribute's details change: the parse step's output for that method is modified.
        SyntaxTree sample = compilation.SyntaxTrees.First();
        string changedText = sample.ToString().Replace("Refreshed for {userId} ({plan})", "Refreshed for {userId}", StringComparison.Ordinal);
        CSharpCompilation changed = compilation.ReplaceSyntaxTree(sample, sample.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(changedText)));
        GeneratorRunResult modified = driver.RunGenerators(changed).GetRunResult().Results.Single();
        Assert.Contains(modified.TrackedSteps["AuditEvents.Parse"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(modified.TrackedSteps["AuditEvents.Events"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void The_pipeline_model_holds_no_symbol_syntax_node_or_compilation()
    {
        GeneratorRunResult run = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile(Sample)).GetRunResult().Results.Single();
        object[] outputs = run.TrackedSteps["AuditEvents.Parse"].SelectMany(s => s.Outputs).Select(o => o.Value).ToArray();
        Assert.Equal(2, outputs.Length);
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (object output in outputs)
        {
            Walk(output, "ParseResult", visited);
        }

        Assert.True(visited.Count > 20, $"walked only {visited.Count} objects");
    }

    private static void Walk(object? value, string path, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !visited.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol, path + " is an ISymbol");
        Assert.False(value is SyntaxNode, path + " is a SyntaxNode");
        Assert.False(value is Compilation, path + " is a Compilation");
        Assert.False(value is SemanticModel, path + " is a SemanticModel");
        Assert.False(value is SyntaxTree, path + " is a SyntaxTree");
        Assert.False(value is Location, path + " is a Location");
        if (value is DiagnosticDescriptor)
        {
            return; // immutable, shared, compared by reference: safe to cache
        }

        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                Walk(item, $"{path}[{i++}]", visited);
            }
        }

        for (Type? type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.GetValue(value), path + "." + field.Name, visited);
            }
        }
    }
}
