using System.Collections.Generic;
using System.Threading;
using Infernum.Audit.Fast.Generators.Helpers;
using Infernum.Audit.Fast.Generators.Model;
using Infernum.Audit.Fast.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Infernum.Audit.Fast.Generators;

public sealed partial class AuditEventGenerator
{
    /// <summary>
    /// The only code that reads symbols and syntax; it turns one <c>[AuditEvent]</c> declaration into a plain
    /// <see cref="EventModel"/> and diagnostics. Its steps, in order: <see cref="CheckDeclaration"/> (what was
    /// annotated and how it is declared), <see cref="ReadAttribute"/>, <see cref="ResolveLogger"/>,
    /// <see cref="BindParameters"/> (each parameter's field and value kind) and <see cref="CheckTemplate"/>.
    /// </summary>
    internal static partial class Parser
    {
        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            if (context.TargetNode is not MethodDeclarationSyntax syntax || context.TargetSymbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method)
            {
                ReportNotAMethod(context, diagnostics, cancellationToken);
                return new ParseResult(null, diagnostics.ToEquatableArray());
            }

            KnownSymbols known = KnownSymbols.For(context.SemanticModel.Compilation);
            Location methodLocation = syntax.Identifier.GetLocation();
            bool declarationOk = CheckDeclaration(method, syntax, methodLocation, diagnostics);

            AttributeValues attribute = ReadAttribute(context.Attributes[0], syntax, known, methodLocation, diagnostics, cancellationToken);
            LoggerChoice? logger = ResolveLogger(method, known, methodLocation, diagnostics, cancellationToken);
            List<ParameterModel> parameters = BindParameters(method, syntax, known, attribute, methodLocation, diagnostics, cancellationToken);
            CheckTemplate(method, known, attribute, diagnostics);
            CheckRequiredFields(method.Name, parameters, attribute, methodLocation, diagnostics);

            bool blocked = !declarationOk || logger is null || attribute.EventName is null;
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                // INFAUD014 is an error by default but a user may lower it: it never stops generation.
                blocked |= diagnostic.Descriptor.DefaultSeverity == DiagnosticSeverity.Error
                    && diagnostic.Descriptor != DiagnosticDescriptors.SecretWrittenVerbatim;
            }

            EventModel? model = blocked
                ? null
                : new EventModel(
                    TypeIdentity(method.ContainingType),
                    GetNamespace(method.ContainingType),
                    GetContainingTypes(method.ContainingType),
                    EscapeIdentifier(method.Name),
                    ModifiersText(syntax.Modifiers),
                    method.ReturnType.SpecialType == SpecialType.System_Boolean,
                    logger!.Expression,
                    logger.MayBeNull,
                    attribute.EventName!,
                    attribute.Endpoint,
                    attribute.Success,
                    attribute.Details,
                    attribute.DetailsTemplate is not null,
                    parameters.ToEquatableArray(),
                    KnownSymbols.Find(method, known.MethodImplAttribute) is not null,
                    LocationInfo.From(methodLocation));

            return new ParseResult(model, diagnostics.ToEquatableArray());
        }

        private static string? GetNamespace(INamedTypeSymbol type)
            => type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;

        // Namespace, nesting and arity: "N::Outer`1+Audits" differs from "N::Outer+Audits" and from "N::Outer_1+Audits".
        private static string TypeIdentity(INamedTypeSymbol type)
        {
            string identity = type.MetadataName;
            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                identity = outer.MetadataName + "+" + identity;
            }

            return (GetNamespace(type) ?? string.Empty) + "::" + identity;
        }

        private static EquatableArray<TypeDeclarationModel> GetContainingTypes(INamedTypeSymbol type)
        {
            var types = new List<TypeDeclarationModel>();
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                string keyword = current switch
                {
                    { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                    { IsRecord: true } => "record",
                    { TypeKind: TypeKind.Struct, IsRefLikeType: true } => "ref struct",
                    { TypeKind: TypeKind.Struct } => "struct",
                    { TypeKind: TypeKind.Interface } => "interface",
                    _ => "class",
                };

                string name = EscapeIdentifier(current.Name);
                if (current.TypeParameters.Length > 0)
                {
                    var typeParameters = new List<string>();
                    foreach (ITypeParameterSymbol parameter in current.TypeParameters)
                    {
                        typeParameters.Add(EscapeIdentifier(parameter.Name));
                    }

                    name += "<" + string.Join(", ", typeParameters) + ">";
                }

                types.Insert(0, new TypeDeclarationModel(keyword, name));
            }

            return types.ToEquatableArray();
        }

        private static string ModifiersText(SyntaxTokenList modifiers)
        {
            var text = new List<string>();
            foreach (SyntaxToken modifier in modifiers)
            {
                text.Add(modifier.Text);
            }

            return string.Join(" ", text);
        }

        private static string EscapeIdentifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
