using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>Incremental caching, and a pipeline model free of Roslyn objects (so that it caches by value).</summary>
public sealed class IncrementalTests
{
    private const string Sample = EmitterTests.Sample;

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_and_an_attribute_change_modifies_it()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Sample, "class Unrelated { int x; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        // Unrelated edit in another file.
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, other.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("class Unrelated { int x; int y; }")));
        GeneratorRunResult unrelated = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (string step in new[] { "AuditEvents.Parse", "AuditEvents.Events", "AuditEvents.CatalogPlacement" })
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
