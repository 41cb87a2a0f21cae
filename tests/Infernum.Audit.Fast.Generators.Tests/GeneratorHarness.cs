using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Infernum.Audit.Fast.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>Runs the generator on source text, as the compiler would, with step tracking on; and runs what it made.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(AuditLogger).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    public const string Usings = "using System;\nusing Infernum.Audit.Fast;\n";

    /// <summary>The repository's settings: latest C#, nullable on, every warning wave.</summary>
    public static CSharpCompilation Compile(params string[] sources)
        => Compile(LanguageVersion.Latest, NullableContextOptions.Enable, checkOverflow: false, sources);

    public static CSharpCompilation Compile(LanguageVersion version, NullableContextOptions nullable, bool checkOverflow, params string[] sources)
        => CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(version), path: $"Source{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: nullable,
                checkOverflow: checkOverflow,
                warningLevel: 9999));

    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null)
        => CSharpGeneratorDriver.Create(
            new[] { new AuditEventGenerator().AsSourceGenerator() },
            parseOptions: parseOptions ?? new CSharpParseOptions(LanguageVersion.Latest),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its diagnostics, the updated compilation's diagnostics and the run result.</summary>
    public static (ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Compilation, GeneratorDriverRunResult Run) Run(string source)
    {
        Outcome outcome = Generate(Compile(source));
        return (outcome.Generator, outcome.Compilation, outcome.Run);
    }

    public static Outcome Generate(CSharpCompilation input)
    {
        var parseOptions = (CSharpParseOptions)input.SyntaxTrees.First().Options;
        GeneratorDriver driver = CreateDriver(parseOptions).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new Outcome(input, output, diagnostics, output.GetDiagnostics(), driver.GetRunResult());
    }

    /// <summary>
    /// Emits the generated compilation, loads it into its own collectible load context and calls
    /// <c>public static void Run(AuditLogger)</c> of <paramref name="typeName"/>; returns each line after its timestamp.
    /// </summary>
    public static string[] Execute(Compilation output, string typeName = "Probe", AuditOptions? options = null)
    {
        using var image = new MemoryStream();
        EmitResult emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        image.Position = 0;
        var context = new AssemblyLoadContext("probe", isCollectible: true);
        try
        {
            Assembly assembly = context.LoadFromStream(image);
            MethodInfo run = assembly.GetType(typeName, throwOnError: true)!.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!;
            var sink = new MemorySink();
            using (var logger = new AuditLogger(sink, options, new AuditDeliveryOptions { WriteSequenceNumbers = false }))
            {
                run.Invoke(null, new object[] { logger });
            }

            return sink.Lines().Select(WithoutTimestamp).ToArray();
        }
        finally
        {
            context.Unload();
        }
    }

    private static string WithoutTimestamp(string line)
    {
        const string Start = "{\"timestamp\":\"";
        Assert.StartsWith(Start, line, StringComparison.Ordinal);
        int end = line.IndexOf('"', Start.Length);
        return line[(end + 1)..];
    }

    /// <summary>What one generator run produced.</summary>
    internal sealed record Outcome(
        Compilation Input, Compilation Output, ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Compilation, GeneratorDriverRunResult Run)
    {
        /// <summary>Diagnostics of warning or error severity located in a tree the generator added.</summary>
        public IEnumerable<Diagnostic> InGeneratedCode
            => Compilation.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && !Input.SyntaxTrees.Contains(tree));

        /// <summary>Every warning or error of the compiled result, the generator's included.</summary>
        public IEnumerable<Diagnostic> WarningsAndErrors
            => Generator.Concat(Compilation).Where(d => d.Severity >= DiagnosticSeverity.Warning);

        public string GeneratedText(string hintName)
            => Run.Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
    }

    /// <summary>Keeps everything written.</summary>
    private sealed class MemorySink : AuditSink
    {
        private readonly MemoryStream _data = new();

        public override void Write(ReadOnlySpan<byte> lines)
        {
            lock (_data)
            {
                _data.Write(lines);
            }
        }

        public string[] Lines()
        {
            string text;
            lock (_data)
            {
                text = Encoding.UTF8.GetString(_data.ToArray());
            }

            return text.Length == 0 ? Array.Empty<string>() : text.TrimEnd('\n').Split('\n');
        }
    }
}
