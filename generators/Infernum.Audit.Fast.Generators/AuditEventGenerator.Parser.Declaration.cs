using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Infernum.Audit.Fast.Generators.Helpers;
using Infernum.Audit.Fast.Generators.Model;
using Infernum.Audit.Fast.Generators.Parsing;
using Infernum.Audit.Fast.Generators.Templates;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Infernum.Audit.Fast.Generators;

public sealed partial class AuditEventGenerator
{
    internal static partial class Parser
    {
        /// <summary>The attribute's arguments, read once.</summary>
        private sealed class AttributeValues
        {
            public string? EventName { get; set; }

            public string? Endpoint { get; set; }

            public string? DetailsTemplate { get; set; }

            public EquatableArray<TemplatePart> Details { get; set; } = EquatableArray<TemplatePart>.Empty;

            public bool Success { get; set; } = true;

            public bool SuccessGiven { get; set; }

            /// <summary>The whole attribute, where its diagnostics point.</summary>
            public Location Location { get; set; } = Location.None;

            /// <summary>The <c>Details</c> argument's string literal token, when written as one literal: holes are located in it.</summary>
            public SyntaxToken? DetailsLiteral { get; set; }

            /// <summary>Each hole's name and its offset in the template.</summary>
            public List<(string Name, int Offset)> Holes { get; } = new();
        }

        // [AuditEvent] on a local function, lambda, accessor or operator: nothing the generator can give a body.
        private static void ReportNotAMethod(GeneratorAttributeSyntaxContext context, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            string what = context.TargetNode switch
            {
                LocalFunctionStatementSyntax => "a local function",
                AnonymousFunctionExpressionSyntax => "a lambda",
                AccessorDeclarationSyntax => "a property or event accessor",
                OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax => "an operator",
                MethodDeclarationSyntax => "a method that is not an ordinary method",
                _ => "a declaration that is not a method",
            };

            Location location = context.Attributes.Length > 0 && context.Attributes[0].ApplicationSyntaxReference is { } reference
                ? reference.GetSyntax(cancellationToken).GetLocation()
                : context.TargetNode.GetLocation();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAPartialMethod, location, what));
        }

        /// <summary>Checks the declaration itself; false when the generator cannot write a body for it.</summary>
        private static bool CheckDeclaration(IMethodSymbol method, MethodDeclarationSyntax syntax, Location location, List<DiagnosticInfo> diagnostics)
        {
            bool ok = true;
            string name = method.Name;
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, name));
                ok = false;
            }
            else if (syntax.Body is not null || syntax.ExpressionBody is not null || method.PartialImplementationPart is not null
                || syntax.Modifiers.Any(SyntaxKind.ExternKeyword))
            {
                // A body here, an implementing part the user wrote elsewhere, or 'extern' (which makes this declaration the
                // implementing part): a second one would be CS0756, or CS0111 beside an extern one.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HasBody, location, name));
                ok = false;
            }

            if ((!method.ReturnsVoid && method.ReturnType.SpecialType != SpecialType.System_Boolean) || method.RefKind != RefKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidReturnType, syntax.ReturnType.GetLocation(), name, syntax.ReturnType.ToString()));
                ok = false;
            }

            if (method.IsVararg)
            {
                // '__arglist' has no parameter symbol: the generated signature could not repeat it (CS0759).
                SyntaxToken arglist = syntax.ParameterList.DescendantTokens().FirstOrDefault(t => t.IsKind(SyntaxKind.ArgListKeyword));
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.RefParameter, arglist.IsKind(SyntaxKind.ArgListKeyword) ? arglist.GetLocation() : location, "__arglist", "a variable argument list"));
                ok = false;
            }

            if (method.IsGenericMethod)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.Generic, location, name));
                ok = false;
            }

            // The generated body uses UTF-8 string literals ("..."u8).
            if (syntax.SyntaxTree.Options is CSharpParseOptions parseOptions && parseOptions.LanguageVersion < LanguageVersion.CSharp11)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LanguageVersionTooLow, location, name, parseOptions.LanguageVersion.ToDisplayString()));
                ok = false;
            }

            for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (type.IsFileLocal)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalType, location, name, type.Name));
                    return false;
                }
            }

            // The method's own type without 'partial' is the compiler's CS0751 on the method; an outer one would
            // surface as CS0260 caused by the generated part, so it is reported here instead.
            if (!IsPartialEverywhere(method.ContainingType))
            {
                return false;
            }

            for (INamedTypeSymbol? outer = method.ContainingType.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (!IsPartialEverywhere(outer))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, location, name, outer.ToDisplayString()));
                    return false;
                }
            }

            return ok;
        }

        private static bool IsPartialEverywhere(INamedTypeSymbol type)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is not TypeDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return false;
                }
            }

            return true;
        }

        private static AttributeValues ReadAttribute(
            AttributeData attribute,
            MethodDeclarationSyntax method,
            KnownSymbols known,
            Location methodLocation,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            var values = new AttributeValues();
            SyntaxNode? attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            values.Location = attributeSyntax?.GetLocation() ?? methodLocation;
            values.EventName = ReadEventName(attribute);
            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Endpoint":
                        values.Endpoint = named.Value.Value as string;
                        break;
                    case "Details":
                        values.DetailsTemplate = named.Value.Value as string;
                        break;
                    case "Success":
                        values.Success = named.Value.Value is true;
                        values.SuccessGiven = true;
                        break;
                }
            }

            if (attributeSyntax is AttributeSyntax { ArgumentList: { } arguments })
            {
                foreach (AttributeArgumentSyntax argument in arguments.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == "Details" && argument.Expression is LiteralExpressionSyntax literal)
                    {
                        values.DetailsLiteral = literal.Token;
                    }
                }
            }

            string? nameProblem = values.EventName is null || !NameConvention.IsSnakeCase(values.EventName)
                ? "is not lowercase snake_case ([a-z][a-z0-9]*, words joined by single '_')"
                : values.EventName == "audit_dropped"
                    ? "is reserved for the logger's drop records"
                    : IsBuiltInEventNameOfAnotherAssembly(values.EventName, known)
                        ? "is a built-in event's name, written only by the runtime's own method (AuditLogger." + ToPascalCase(values.EventName) + "); give this event its own name"
                        : null;
            if (nameProblem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEventName, values.Location, values.EventName ?? "(null)", nameProblem));
            }

            if (values.DetailsTemplate is not null)
            {
                if (DetailsTemplate.TryParse(values.DetailsTemplate, out EquatableArray<TemplatePart> parts, out string error, out _))
                {
                    values.Details = parts;
                    DetailsTemplate.FindHoles(values.DetailsTemplate, values.Holes);
                }
                else
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedTemplate, values.Location, method.Identifier.ValueText, error));
                }
            }

            return values;
        }

        // The built-in events' names belong to the runtime's own declarations, whose line shape log pipelines rely on:
        // another assembly reusing one would write a different line under the same name.
        private static bool IsBuiltInEventNameOfAnotherAssembly(string name, KnownSymbols known)
        {
            if (known.AuditEventType is not { } builtIn || SymbolEqualityComparer.Default.Equals(builtIn.ContainingAssembly, known.Compilation.Assembly))
            {
                return false;
            }

            foreach (ISymbol member in builtIn.GetMembers())
            {
                if (member is IFieldSymbol { HasConstantValue: true } && NameConvention.ToSnakeCase(member.Name) == name)
                {
                    return true;
                }
            }

            return false;
        }

        private static string ToPascalCase(string snakeName)
        {
            var text = new System.Text.StringBuilder(snakeName.Length);
            foreach (string word in snakeName.Split('_'))
            {
                text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
            }

            return text.ToString();
        }

        private static string? ReadEventName(AttributeData attribute)
        {
            if (attribute.ConstructorArguments.Length != 1)
            {
                return null;
            }

            TypedConstant argument = attribute.ConstructorArguments[0];
            if (argument.Kind == TypedConstantKind.Enum && argument.Type is INamedTypeSymbol enumType)
            {
                foreach (ISymbol member in enumType.GetMembers())
                {
                    if (member is IFieldSymbol { HasConstantValue: true } field && Equals(field.ConstantValue, argument.Value))
                    {
                        return NameConvention.ToSnakeCase(field.Name);
                    }
                }

                return null;
            }

            return argument.Value as string;
        }

        private static void CheckRequiredFields(
            string methodName, List<ParameterModel> parameters, AttributeValues attribute, Location location, List<DiagnosticInfo> diagnostics)
        {
            bool requestId = false, endpoint = attribute.Endpoint is not null;
            foreach (ParameterModel parameter in parameters)
            {
                requestId |= parameter.Role == FieldRole.RequestId;
                endpoint |= parameter.Role == FieldRole.Endpoint;
            }

            if (!requestId)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MissingRequiredField, location, methodName, "request_id", "add a string parameter named 'requestId'"));
            }

            if (!endpoint)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MissingRequiredField, location, methodName, "endpoint", "add a string parameter named 'endpoint' or set Endpoint on the attribute"));
            }
        }
    }
}
