using System.Collections.Immutable;
using Infernum.Audit.Fast.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Infernum.Audit.Fast.Generators;

/// <summary>Writes the bodies of <c>[AuditEvent]</c> partial methods: one allocation-free UTF-8 JSON line per call.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class AuditEventGenerator : IIncrementalGenerator
{
    internal const string AttributeName = "Infernum.Audit.Fast.AuditEventAttribute";

    /// <summary>Names of the pipeline's steps, for incremental-generation tests.</summary>
    internal static class TrackingNames
    {
        public const string Parse = "AuditEvents.Parse";
        public const string Diagnostics = "AuditEvents.Diagnostics";
        public const string Events = "AuditEvents.Events";
        public const string CatalogPlacement = "AuditEvents.CatalogPlacement";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeName,
                // Every node the attribute is on: a local function or lambda gets its own diagnostic, not silence.
                static (_, _) => true,
                static (ctx, ct) => Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        IncrementalValueProvider<ImmutableArray<EventModel>> events = parsed
            .Where(static result => result.Event is not null)
            .Select(static (result, _) => result.Event!)
            .Collect()
            .WithTrackingName(TrackingNames.Events);

        IncrementalValueProvider<CatalogPlacement> catalogPlacement = context.CompilationProvider
            .Select(static (compilation, _) => Parser.PlaceCatalog(compilation))
            .WithTrackingName(TrackingNames.CatalogPlacement);

        context.RegisterSourceOutput(diagnostics, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));
        context.RegisterSourceOutput(events.Combine(catalogPlacement), static (spc, input) =>
        {
            foreach (DiagnosticInfo duplicate in Catalog.FindConflictingNames(input.Left))
            {
                spc.ReportDiagnostic(duplicate.ToDiagnostic());
            }

            foreach ((string hintName, string source) in Emitter.Emit(input.Left))
            {
                spc.AddSource(hintName, Microsoft.CodeAnalysis.Text.SourceText.From(source, System.Text.Encoding.UTF8));
            }

            if (Catalog.Emit(input.Right, input.Left) is { } catalog)
            {
                spc.AddSource(input.Right.ClassName + ".g.cs", Microsoft.CodeAnalysis.Text.SourceText.From(catalog, System.Text.Encoding.UTF8));
            }
        });
    }
}
