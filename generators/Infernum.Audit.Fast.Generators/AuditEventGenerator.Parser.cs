using System;
using System.Collections.Generic;
using System.Threading;
using Infernum.Audit.Fast.Generators.Helpers;
using Infernum.Audit.Fast.Generators.Model;
using Infernum.Audit.Fast.Generators.Templates;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Infernum.Audit.Fast.Generators;

public sealed partial class AuditEventGenerator
{
    /// <summary>The only code that reads symbols and syntax; it turns them into a plain <see cref="EventModel"/>.</summary>
    internal static class Parser
    {
        private const string LoggerTypeName = "Infernum.Audit.Fast.AuditLogger";
        private const string KeyAttributeName = "Infernum.Audit.Fast.AuditKeyAttribute";
        private const string RedactAttributeName = "Infernum.Audit.Fast.AuditRedactAttribute";
        private const string FieldAttributeName = "Infernum.Audit.Fast.AuditFieldAttribute";

        // Field names the line writes itself; no extra field may take them.
        private static readonly string[] s_reservedFieldNames =
        {
            "timestamp", "event_type", "request_id", "client_ip", "key_prefix", "endpoint", "success", "details", "seq",
        };

        // Words of a parameter's snake_case name that suggest a secret.
        private static readonly string[] s_secretWords =
        {
            "key", "apikey", "token", "secret", "password", "passwd", "pwd", "authorization", "credential", "credentials", "bearer", "cookie", "session",
        };

        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var method = (IMethodSymbol)context.TargetSymbol;
            var syntax = (MethodDeclarationSyntax)context.TargetNode;
            var diagnostics = new List<DiagnosticInfo>();
            Location methodLocation = syntax.Identifier.GetLocation();
            string methodName = method.Name;

            bool isPartial = syntax.Modifiers.Any(SyntaxKind.PartialKeyword);
            if (!isPartial)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, methodLocation, methodName));
            }
            else if (syntax.Body is not null || syntax.ExpressionBody is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HasBody, methodLocation, methodName));
            }

            bool returnsBool = method.ReturnType.SpecialType == SpecialType.System_Boolean;
            if (!method.ReturnsVoid && !returnsBool)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidReturnType, syntax.ReturnType.GetLocation(), methodName, method.ReturnType.ToDisplayString()));
            }

            if (method.IsGenericMethod)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.Generic, methodLocation, methodName));
            }

            AttributeData attribute = context.Attributes[0];
            Location attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? methodLocation;
            string? eventName = ReadEventName(attribute);
            string? endpoint = null;
            string? detailsTemplate = null;
            bool success = true;
            bool successGiven = false;
            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Endpoint":
                        endpoint = named.Value.Value as string;
                        break;
                    case "Details":
                        detailsTemplate = named.Value.Value as string;
                        break;
                    case "Success":
                        success = named.Value.Value is true;
                        successGiven = true;
                        break;
                }
            }

            if (eventName is null || !NameConvention.IsSnakeCase(eventName) || eventName == "audit_dropped")
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEventName, attributeLocation, eventName ?? "(null)"));
            }

            EquatableArray<TemplatePart> details = EquatableArray<TemplatePart>.Empty;
            if (detailsTemplate is not null
                && !DetailsTemplate.TryParse(detailsTemplate, out details, out string templateError, out _))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedTemplate, attributeLocation, methodName, templateError));
            }

            INamedTypeSymbol? loggerType = context.SemanticModel.Compilation.GetTypeByMetadataName(LoggerTypeName);
            string? loggerExpression = ResolveLogger(method, syntax, loggerType, methodLocation, diagnostics, out bool loggerMayBeNull, out IParameterSymbol? loggerParameter);

            var holes = new HashSet<string>(StringComparer.Ordinal);
            foreach (TemplatePart part in details)
            {
                if (part.IsHole)
                {
                    holes.Add(part.Text);
                }
            }

            var parameters = new List<ParameterModel>(method.Parameters.Length);
            var writtenFields = new Dictionary<string, string>(StringComparer.Ordinal);
            var parameterNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                parameterNames.Add(parameter.Name);
                Location parameterLocation = parameter.Locations.Length > 0 ? parameter.Locations[0] : methodLocation;
                if (parameter.RefKind != RefKind.None)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RefParameter, parameterLocation, parameter.Name));
                    continue;
                }

                string name = EscapeIdentifier(parameter.Name);
                string type = parameter.Type.ToDisplayString(s_typeFormat);
                bool isScoped = parameter.ScopedKind != ScopedKind.None && parameter.Type.IsRefLikeType;
                if (SymbolEqualityComparer.Default.Equals(parameter, loggerParameter)
                    || SymbolEqualityComparer.Default.Equals(parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), loggerType))
                {
                    parameters.Add(new ParameterModel(name, type, ValueKind.String, true, false, FieldRole.Logger, string.Empty, EquatableArray<EnumMemberModel>.Empty, isScoped));
                    continue;
                }

                bool isKey = HasAttribute(parameter, KeyAttributeName, out _);
                bool isRedacted = HasAttribute(parameter, RedactAttributeName, out AttributeData? redact);
                HasAttribute(parameter, FieldAttributeName, out AttributeData? fieldAttribute);
                string snake = NameConvention.ToSnakeCase(parameter.Name);
                string? explicitName = (fieldAttribute?.ConstructorArguments.Length > 0 ? fieldAttribute.ConstructorArguments[0].Value as string : null)
                    ?? (redact is not null ? NamedString(redact, "Name") : null);
                FieldRole role = isKey ? FieldRole.Key : isRedacted ? FieldRole.Redacted : explicitName is not null ? FieldRole.Extra : snake switch
                {
                    "request_id" => FieldRole.RequestId,
                    "client_ip" => FieldRole.ClientIp,
                    "endpoint" => FieldRole.Endpoint,
                    "success" => FieldRole.Success,
                    "details" => FieldRole.Details,
                    _ => holes.Contains(parameter.Name) ? FieldRole.TemplateOnly : FieldRole.Extra,
                };

                string fieldName = role switch
                {
                    FieldRole.Key => "key_prefix",
                    FieldRole.TemplateOnly => string.Empty,
                    FieldRole.Extra or FieldRole.Redacted => explicitName ?? snake,
                    _ => snake,
                };

                if (!TryGetKind(parameter.Type, context.SemanticModel.Compilation, out ValueKind kind, out bool isNullable, out bool isNullableValue, out EquatableArray<EnumMemberModel> members)
                    || !KindFits(role, kind))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedParameterType, parameterLocation, parameter.Name, parameter.Type.ToDisplayString(), fieldName.Length > 0 ? fieldName : "details"));
                    continue;
                }

                if (explicitName is not null && !NameConvention.IsSnakeCase(explicitName))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidFieldName, parameterLocation, explicitName, parameter.Name));
                    continue;
                }

                if (fieldName.Length > 0)
                {
                    string? conflict = FieldConflict(fieldName, role, writtenFields, endpoint, successGiven, detailsTemplate);
                    if (conflict is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateFieldName, parameterLocation, parameter.Name, fieldName, conflict));
                        continue;
                    }

                    writtenFields[fieldName] = "parameter '" + parameter.Name + "'";
                }

                bool verbatim = role is FieldRole.Extra or FieldRole.TemplateOnly or FieldRole.Details
                    || (holes.Contains(parameter.Name) && role != FieldRole.Redacted && role != FieldRole.Key);
                if (verbatim && IsText(kind) && LooksLikeSecret(snake))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SecretWrittenVerbatim, parameterLocation, parameter.Name));
                }

                if ((role == FieldRole.Key || role == FieldRole.Redacted) && holes.Contains(parameter.Name))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SecretInTemplate, attributeLocation, parameter.Name, methodName));
                    continue;
                }

                parameters.Add(new ParameterModel(name, type, kind, isNullable, isNullableValue, role, fieldName, members, isScoped));
            }

            foreach (string hole in holes)
            {
                if (!parameterNames.Contains(hole))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TemplateHoleWithoutParameter, attributeLocation, hole, methodName));
                }
            }

            if (!writtenFields.ContainsKey("request_id"))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MissingRequiredField, methodLocation, methodName, "request_id", "add a string parameter named 'requestId'"));
            }

            if (!writtenFields.ContainsKey("endpoint") && endpoint is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MissingRequiredField, methodLocation, methodName, "endpoint", "add a string parameter named 'endpoint' or set Endpoint on the attribute"));
            }

            bool hasErrors = false;
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                hasErrors |= diagnostic.Descriptor.DefaultSeverity == DiagnosticSeverity.Error;
            }

            EventModel? model = hasErrors || loggerExpression is null || eventName is null
                ? null
                : new EventModel(
                    GetNamespace(method.ContainingType),
                    GetContainingTypes(method.ContainingType),
                    EscapeIdentifier(methodName),
                    ModifiersText(syntax),
                    returnsBool,
                    loggerExpression,
                    loggerMayBeNull,
                    eventName,
                    endpoint,
                    success,
                    details,
                    detailsTemplate is not null,
                    parameters.ToEquatableArray(),
                    DeclaresMethodImpl(method),
                    LocationInfo.From(methodLocation));

            return new ParseResult(model, diagnostics.ToEquatableArray());
        }

        // The user's own [MethodImpl] on the declaration: the generated part then adds none (it may appear once).
        private static bool DeclaresMethodImpl(IMethodSymbol method)
        {
            foreach (AttributeData attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == "System.Runtime.CompilerServices.MethodImplAttribute")
                {
                    return true;
                }
            }

            return false;
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

        private static string? ResolveLogger(
            IMethodSymbol method,
            MethodDeclarationSyntax syntax,
            INamedTypeSymbol? loggerType,
            Location location,
            List<DiagnosticInfo> diagnostics,
            out bool mayBeNull,
            out IParameterSymbol? loggerParameter)
        {
            mayBeNull = true;
            loggerParameter = null;
            if (loggerType is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLogger, location, method.Name));
                return null;
            }

            var candidates = new List<string>();
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                if (SymbolEqualityComparer.Default.Equals(parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), loggerType))
                {
                    candidates.Add(EscapeIdentifier(parameter.Name));
                    loggerParameter = parameter;
                }
            }

            if (candidates.Count == 0 && !method.IsStatic)
            {
                if (SymbolEqualityComparer.Default.Equals(method.ContainingType, loggerType))
                {
                    mayBeNull = false;
                    return "this";
                }

                foreach (ISymbol member in method.ContainingType.GetMembers())
                {
                    ITypeSymbol? memberType = member switch
                    {
                        IFieldSymbol { IsImplicitlyDeclared: false } field => field.Type,
                        IPropertySymbol { IsIndexer: false } property => property.Type,
                        _ => null,
                    };

                    if (memberType is not null && SymbolEqualityComparer.Default.Equals(memberType.WithNullableAnnotation(NullableAnnotation.NotAnnotated), loggerType))
                    {
                        candidates.Add("this." + EscapeIdentifier(member.Name));
                    }
                }

                // A primary-constructor parameter is in scope in the whole type body.
                if (candidates.Count == 0 && syntax.Parent is TypeDeclarationSyntax { ParameterList: { } primary } typeSyntax)
                {
                    _ = typeSyntax;
                    foreach (ParameterSyntax parameter in primary.Parameters)
                    {
                        if (parameter.Type is not null && IsLoggerTypeSyntax(parameter.Type))
                        {
                            candidates.Add(EscapeIdentifier(parameter.Identifier.ValueText));
                        }
                    }
                }
            }

            if (candidates.Count == 1)
            {
                return candidates[0];
            }

            diagnostics.Add(candidates.Count == 0
                ? DiagnosticInfo.Create(DiagnosticDescriptors.NoLogger, location, method.Name)
                : DiagnosticInfo.Create(DiagnosticDescriptors.MultipleLoggers, location, method.Name, string.Join(", ", candidates)));
            loggerParameter = null;
            return null;
        }

        private static bool IsLoggerTypeSyntax(TypeSyntax type)
        {
            string text = type.ToString().Replace("global::", string.Empty).TrimEnd('?');
            return text == "AuditLogger" || text == LoggerTypeName;
        }

        private static bool TryGetKind(
            ITypeSymbol type, Compilation compilation, out ValueKind kind, out bool isNullable, out bool isNullableValue, out EquatableArray<EnumMemberModel> members)
        {
            members = EquatableArray<EnumMemberModel>.Empty;
            isNullableValue = false;
            isNullable = type.NullableAnnotation == NullableAnnotation.Annotated;
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
                isNullable = isNullableValue = true;
            }

            kind = type.SpecialType switch
            {
                SpecialType.System_String => ValueKind.String,
                SpecialType.System_Boolean => ValueKind.Boolean,
                SpecialType.System_Char => ValueKind.Char,
                SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64 => ValueKind.Signed,
                SpecialType.System_Byte or SpecialType.System_UInt16 or SpecialType.System_UInt32 or SpecialType.System_UInt64 => ValueKind.Unsigned,
                SpecialType.System_Single => ValueKind.Single,
                SpecialType.System_Double => ValueKind.Double,
                SpecialType.System_Decimal => ValueKind.Decimal,
                SpecialType.System_DateTime => ValueKind.DateTime,
                _ => (ValueKind)(-1),
            };

            if (kind != (ValueKind)(-1))
            {
                return true;
            }

            if (type.TypeKind == TypeKind.Enum && type is INamedTypeSymbol enumType)
            {
                kind = ValueKind.Enum;
                string typeName = enumType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                var list = new List<EnumMemberModel>();
                var seenValues = new HashSet<object>();
                foreach (ISymbol member in enumType.GetMembers())
                {
                    // Aliases (two names, one value) keep the first name: a switch cannot have the value twice.
                    if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: { } value } field && seenValues.Add(value))
                    {
                        list.Add(new EnumMemberModel(typeName + "." + EscapeIdentifier(field.Name), NameConvention.ToSnakeCase(field.Name)));
                    }
                }

                members = list.ToEquatableArray();
                return true;
            }

            string display = type.OriginalDefinition.ToDisplayString();
            if (display == "System.ReadOnlySpan<T>" && type is INamedTypeSymbol span)
            {
                SpecialType element = span.TypeArguments[0].SpecialType;
                kind = element == SpecialType.System_Char ? ValueKind.CharSpan : ValueKind.Utf8Span;
                isNullable = false;
                return element is SpecialType.System_Char or SpecialType.System_Byte;
            }

            if (display == "System.Net.IPAddress")
            {
                // Before the formattable check: written by the runtime's own writer, which cannot throw.
                kind = ValueKind.IPAddress;
                isNullable = true;
                return true;
            }

            switch (display)
            {
                case "System.Guid":
                    kind = ValueKind.Guid;
                    return true;
                case "System.DateTimeOffset":
                    kind = ValueKind.DateTimeOffset;
                    return true;
                case "System.TimeSpan":
                    kind = ValueKind.TimeSpan;
                    return true;
            }

            INamedTypeSymbol? formattable = compilation.GetTypeByMetadataName("System.IUtf8SpanFormattable");
            if (formattable is not null && !type.IsRefLikeType && type.TypeKind != TypeKind.TypeParameter)
            {
                foreach (INamedTypeSymbol implemented in type.AllInterfaces)
                {
                    if (SymbolEqualityComparer.Default.Equals(implemented, formattable))
                    {
                        kind = ValueKind.Formattable;
                        isNullable |= type.IsReferenceType;
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool IsText(ValueKind kind) => kind is ValueKind.String or ValueKind.CharSpan or ValueKind.Utf8Span;

        private static string? NamedString(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                if (named.Key == name)
                {
                    return named.Value.Value as string;
                }
            }

            return null;
        }

        private static bool KindFits(FieldRole role, ValueKind kind) => role switch
        {
            FieldRole.ClientIp => kind is ValueKind.String or ValueKind.IPAddress,
            // A request id may be a char span: a server formats a W3C trace id onto the stack rather than into a string.
            FieldRole.RequestId => kind is ValueKind.String or ValueKind.CharSpan,
            FieldRole.Key or FieldRole.Endpoint or FieldRole.Details => kind == ValueKind.String,
            FieldRole.Redacted => kind is ValueKind.String or ValueKind.CharSpan,
            FieldRole.Success => kind == ValueKind.Boolean,
            _ => true,
        };

        private static string? FieldConflict(
            string fieldName, FieldRole role, Dictionary<string, string> written, string? endpoint, bool successGiven, string? detailsTemplate)
        {
            if (written.TryGetValue(fieldName, out string? owner))
            {
                return owner;
            }

            if ((role == FieldRole.Extra || role == FieldRole.Redacted) && Array.IndexOf(s_reservedFieldNames, fieldName) >= 0)
            {
                return "the line itself";
            }

            return role switch
            {
                FieldRole.Endpoint when endpoint is not null => "the attribute's Endpoint",
                FieldRole.Success when successGiven => "the attribute's Success",
                FieldRole.Details when detailsTemplate is not null => "the attribute's Details",
                _ => null,
            };
        }

        // A name looks like a secret when its last word does (api_key, refresh_token), not when a secret word
        // only qualifies it (key_prefix, token_count).
        private static bool LooksLikeSecret(string snakeName)
        {
            string[] words = snakeName.Split('_');
            return Array.IndexOf(s_secretWords, words[words.Length - 1]) >= 0
                || Array.IndexOf(s_secretWords, snakeName.Replace("_", string.Empty)) >= 0;
        }

        private static bool HasAttribute(IParameterSymbol parameter, string attributeName, out AttributeData? found)
        {
            foreach (AttributeData attribute in parameter.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == attributeName)
                {
                    found = attribute;
                    return true;
                }
            }

            found = null;
            return false;
        }

        private static string? GetNamespace(INamedTypeSymbol type)
            => type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;

        private static EquatableArray<TypeDeclarationModel> GetContainingTypes(INamedTypeSymbol type)
        {
            var types = new List<TypeDeclarationModel>();
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                string keyword = current switch
                {
                    { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                    { IsRecord: true } => "record",
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

        private static string ModifiersText(MethodDeclarationSyntax syntax)
        {
            var modifiers = new List<string>();
            foreach (SyntaxToken modifier in syntax.Modifiers)
            {
                modifiers.Add(modifier.Text);
            }

            return string.Join(" ", modifiers);
        }

        private static string EscapeIdentifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
