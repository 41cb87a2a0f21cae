using System;
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
    internal static partial class Parser
    {
        // Field names the line writes itself; no extra field may take them.
        private static readonly string[] s_reservedFieldNames =
        {
            "timestamp", "event_type", "request_id", "client_ip", "key_prefix", "endpoint", "success", "details", "seq",
        };

        /// <summary>Gives each parameter its role in the line, its field name and how its value is written.</summary>
        private static List<ParameterModel> BindParameters(
            IMethodSymbol method,
            MethodDeclarationSyntax syntax,
            KnownSymbols known,
            AttributeValues attribute,
            Location methodLocation,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            var holes = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string name, int _) in attribute.Holes)
            {
                holes.Add(name);
            }

            var parameters = new List<ParameterModel>(method.Parameters.Length);
            var writtenFields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int index = 0; index < method.Parameters.Length; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IParameterSymbol parameter = method.Parameters[index];
                Location parameterLocation = parameter.Locations.Length > 0 ? parameter.Locations[0] : methodLocation;
                if (parameter.RefKind != RefKind.None)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.RefParameter, parameterLocation, parameter.Name, "'" + SyntaxFacts.GetText(parameter.RefKind switch
                        {
                            RefKind.Out => SyntaxKind.OutKeyword,
                            RefKind.In => SyntaxKind.InKeyword,
                            _ => SyntaxKind.RefKeyword,
                        }) + "'"));
                    continue;
                }

                string name = EscapeIdentifier(parameter.Name);
                string type = parameter.Type.ToDisplayString(s_typeFormat);
                string modifiers = index < syntax.ParameterList.Parameters.Count ? ParameterModifiers(syntax.ParameterList.Parameters[index]) : string.Empty;
                if (known.IsLogger(parameter.Type))
                {
                    parameters.Add(new ParameterModel(name, type, modifiers, ValueKind.String, true, false, FieldRole.Logger, string.Empty, EquatableArray<EnumMemberModel>.Empty, false));
                    continue;
                }

                AttributeData? redact = KnownSymbols.Find(parameter, known.AuditRedactAttribute);
                AttributeData? fieldAttribute = KnownSymbols.Find(parameter, known.AuditFieldAttribute);
                bool isKey = KnownSymbols.Find(parameter, known.AuditKeyAttribute) is not null;
                bool isRedacted = redact is not null;
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

                // 'success' is always written: a bool? would have to invent a value for null, so it is refused.
                if (!TryGetKind(parameter.Type, known, out ValueKind kind, out bool isNullable, out bool isNullableValue, out EquatableArray<EnumMemberModel> members, out bool unsignedEnum)
                    || !KindFits(role, kind)
                    || (role == FieldRole.Success && isNullableValue))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedParameterType, parameterLocation, parameter.Name, parameter.Type.ToDisplayString(), fieldName.Length > 0 ? fieldName : "details",
                        role == FieldRole.Success && isNullableValue
                            ? ": 'success' is in every line, so a null would need a made-up value; pass a bool"
                            : " without allocating"));
                    continue;
                }

                // [AllowNull] on a non-nullable reference: null may come, and is left out as for 'string?'.
                isNullable |= parameter.Type.IsReferenceType && KnownSymbols.Find(parameter, known.AllowNullAttribute) is not null;

                // A name derived from the parameter obeys the rule an explicit one does ('_audit', 'прізвище' are refused).
                if (fieldName.Length > 0 && !NameConvention.IsFieldName(fieldName))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidFieldName, parameterLocation, fieldName, parameter.Name));
                    continue;
                }

                if (fieldName.Length > 0)
                {
                    string? conflict = FieldConflict(fieldName, role, writtenFields, attribute);
                    if (conflict is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateFieldName, parameterLocation, parameter.Name, fieldName, conflict));
                        continue;
                    }

                    writtenFields[fieldName] = "parameter '" + parameter.Name + "'";
                }

                bool verbatim = role is FieldRole.Extra or FieldRole.TemplateOnly or FieldRole.Details
                    || (holes.Contains(parameter.Name) && role != FieldRole.Redacted && role != FieldRole.Key);
                if (verbatim && CanHoldSecret(kind) && SecretNames.LooksLikeSecret(snake))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SecretWrittenVerbatim, parameterLocation, parameter.Name));
                }

                if ((role == FieldRole.Key || role == FieldRole.Redacted) && holes.Contains(parameter.Name))
                {
                    int offset = attribute.Holes.Find(h => h.Name == parameter.Name).Offset;
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.SecretInTemplate, HoleLocation(attribute, parameter.Name, offset), parameter.Name, method.Name));
                    continue;
                }

                parameters.Add(new ParameterModel(name, type, modifiers, kind, isNullable, isNullableValue, role, fieldName, members, unsignedEnum));
            }

            return parameters;
        }

        // The declaration's own modifiers (this, params, scoped), so the generated part's signature is the declared one.
        private static string ParameterModifiers(ParameterSyntax parameter)
        {
            var text = new System.Text.StringBuilder();
            foreach (SyntaxToken modifier in parameter.Modifiers)
            {
                text.Append(modifier.Text).Append(' ');
            }

            return text.ToString();
        }

        /// <summary>Every hole must name a value parameter: not a missing one (INFAUD009), not the logger (INFAUD021).</summary>
        private static void CheckTemplate(IMethodSymbol method, KnownSymbols known, AttributeValues attribute, List<DiagnosticInfo> diagnostics)
        {
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string hole, int offset) in attribute.Holes)
            {
                IParameterSymbol? named = null;
                foreach (IParameterSymbol parameter in method.Parameters)
                {
                    if (parameter.Name == hole)
                    {
                        named = parameter;
                    }
                }

                if (named is not null && !known.IsLogger(named.Type))
                {
                    continue;
                }

                if (!reported.Add(hole))
                {
                    continue;
                }

                Location location = HoleLocation(attribute, hole, offset);
                diagnostics.Add(named is not null
                    ? DiagnosticInfo.Create(DiagnosticDescriptors.LoggerInTemplate, location, hole, method.Name)
                    : DiagnosticInfo.Create(DiagnosticDescriptors.TemplateHoleWithoutParameter, location, hole, method.Name, Suggestion(method, known, hole)));
            }
        }

        // The hole itself when the template is one literal written without escapes (the usual case); else the attribute.
        private static Location HoleLocation(AttributeValues attribute, string hole, int offset)
        {
            if (attribute.DetailsLiteral is not { } token || token.SyntaxTree is null)
            {
                return attribute.Location;
            }

            // "…", @"…" or """…""" whose text between the delimiters is the value itself (no escape sequences).
            string text = token.Text;
            string value = token.ValueText;
            int prefix = text.StartsWith("@", StringComparison.Ordinal) ? 1 : 0;
            int quotes = 0;
            while (prefix + quotes < text.Length && text[prefix + quotes] == '"')
            {
                quotes++;
            }

            int start = prefix + quotes;
            if (quotes == 0 || text.Length != start + value.Length + quotes || string.CompareOrdinal(text, start, value, 0, value.Length) != 0)
            {
                return attribute.Location;
            }

            return Location.Create(token.SyntaxTree, new Microsoft.CodeAnalysis.Text.TextSpan(token.SpanStart + start + offset, hole.Length + 2));
        }

        // The parameter the hole probably meant: same name ignoring case and underscores, or one edit or prefix away.
        private static string Suggestion(IMethodSymbol method, KnownSymbols known, string hole)
        {
            string wanted = Normalize(hole);
            string? best = null;
            int bestScore = int.MaxValue;
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                if (known.IsLogger(parameter.Type))
                {
                    continue;
                }

                string candidate = Normalize(parameter.Name);
                int score = candidate == wanted ? 0
                    : candidate.StartsWith(wanted, StringComparison.Ordinal) || wanted.StartsWith(candidate, StringComparison.Ordinal) ? 1 + Math.Abs(candidate.Length - wanted.Length)
                    : EditDistance(candidate, wanted) <= 2 ? 10 + EditDistance(candidate, wanted)
                    : int.MaxValue;
                if (score < bestScore)
                {
                    bestScore = score;
                    best = parameter.Name;
                }
            }

            return best is null ? string.Empty : "; did you mean '{" + best + "}'?";
        }

        private static string Normalize(string name) => name.Replace("_", string.Empty).ToLowerInvariant();

        private static int EditDistance(string a, string b)
        {
            int[] previous = new int[b.Length + 1];
            int[] current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
                }

                (previous, current) = (current, previous);
            }

            return previous[b.Length];
        }

        private static bool TryGetKind(
            ITypeSymbol type,
            KnownSymbols known,
            out ValueKind kind,
            out bool isNullable,
            out bool isNullableValue,
            out EquatableArray<EnumMemberModel> members,
            out bool unsignedEnum)
        {
            members = EquatableArray<EnumMemberModel>.Empty;
            unsignedEnum = false;
            isNullableValue = false;

            // Annotated ('string?') or oblivious (declared under '#nullable disable'): either may be null at run time.
            isNullable = type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.NotAnnotated;
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
                SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_IntPtr => ValueKind.Signed,
                SpecialType.System_Byte or SpecialType.System_UInt16 or SpecialType.System_UInt32 or SpecialType.System_UInt64 or SpecialType.System_UIntPtr => ValueKind.Unsigned,
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

            if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } enumType)
            {
                kind = ValueKind.Enum;
                unsignedEnum = underlying.SpecialType is SpecialType.System_Byte or SpecialType.System_UInt16 or SpecialType.System_UInt32 or SpecialType.System_UInt64;
                string typeName = enumType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                var list = new List<EnumMemberModel>();
                var seenValues = new HashSet<object>();
                foreach (ISymbol member in enumType.GetMembers())
                {
                    // Aliases (two names, one value) keep the first name: a switch cannot have the value twice.
                    if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: { } value } field && seenValues.Add(value))
                    {
                        // An [Obsolete] member is named by its value: naming it would be CS0618, or CS0619 which no pragma lifts.
                        string label = IsObsolete(field)
                            ? "(" + typeName + ")(" + System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) + ")"
                            : typeName + "." + EscapeIdentifier(field.Name);
                        list.Add(new EnumMemberModel(label, NameConvention.ToSnakeCase(field.Name)));
                    }
                }

                members = list.ToEquatableArray();
                return true;
            }

            if (type is INamedTypeSymbol { IsGenericType: true } span && KnownSymbols.Is(span.OriginalDefinition, known.ReadOnlySpan))
            {
                SpecialType element = span.TypeArguments[0].SpecialType;
                kind = element == SpecialType.System_Char ? ValueKind.CharSpan : ValueKind.Utf8Span;
                isNullable = false;
                return element is SpecialType.System_Char or SpecialType.System_Byte;
            }

            if (DerivesFrom(type, known.IPAddress))
            {
                // Before the formattable check: written by the runtime's own writer, which cannot throw.
                kind = ValueKind.IPAddress;
                isNullable = true;
                return true;
            }

            if (KnownSymbols.Is(type, known.Guid) || KnownSymbols.Is(type, known.DateTimeOffset) || KnownSymbols.Is(type, known.TimeSpan))
            {
                kind = KnownSymbols.Is(type, known.Guid) ? ValueKind.Guid : KnownSymbols.Is(type, known.TimeSpan) ? ValueKind.TimeSpan : ValueKind.DateTimeOffset;
                return true;
            }

            if (known.Utf8SpanFormattable is { } formattable && !type.IsRefLikeType && type.TypeKind != TypeKind.TypeParameter)
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

        private static bool DerivesFrom(ITypeSymbol type, INamedTypeSymbol? baseType)
        {
            for (ITypeSymbol? current = type; current is not null && baseType is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current, baseType))
                {
                    return true;
                }
            }

            return false;
        }

        // Text, and the integers a secret is also kept in ('int pin', 'ulong cvv', 'long otp'); not a flag, a date, a
        // duration, a fraction, an address or a Guid (a server-made identifier that correlates events: a session
        // token a client presents arrives as text and is judged there).
        private static bool CanHoldSecret(ValueKind kind)
            => kind is ValueKind.String or ValueKind.CharSpan or ValueKind.Utf8Span or ValueKind.Signed or ValueKind.Unsigned;

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

        private static string? FieldConflict(string fieldName, FieldRole role, Dictionary<string, string> written, AttributeValues attribute)
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
                FieldRole.Endpoint when attribute.Endpoint is not null => "the attribute's Endpoint",
                FieldRole.Success when attribute.SuccessGiven => "the attribute's Success",
                FieldRole.Details when attribute.DetailsTemplate is not null => "the attribute's Details",
                _ => null,
            };
        }
    }
}
