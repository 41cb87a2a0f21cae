using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Infernum.Audit.Fast.Generators.Model;
using Infernum.Audit.Fast.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Infernum.Audit.Fast.Generators;

public sealed partial class AuditEventGenerator
{
    internal static partial class Parser
    {
        /// <summary>The expression the generated body reads the logger from.</summary>
        private sealed record LoggerChoice(string Expression, bool MayBeNull);

        /// <summary>
        /// Finds the one <c>AuditLogger</c> the method can use, by symbol, in this order (the first tier with any
        /// candidate decides; two in one tier are ambiguous): the method's parameters; the type itself; fields and
        /// properties declared in any partial part of the type (static ones from static and instance events, instance
        /// ones from instance events, explicit interface implementations through the interface); the primary-constructor
        /// parameter, unless it is passed to the base constructor or read by an initializer (capturing it as well would be
        /// CS9107 or CS9124); then
        /// accessible fields and properties inherited from base types.
        /// </summary>
        private static LoggerChoice? ResolveLogger(
            IMethodSymbol method, KnownSymbols known, Location location, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            if (known.AuditLogger is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLogger, location, method.Name, ": the Infernum.Audit.Fast runtime is not referenced"));
                return null;
            }

            var candidates = new List<LoggerChoice>();
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                if (known.IsLogger(parameter.Type))
                {
                    candidates.Add(new LoggerChoice(EscapeIdentifier(parameter.Name), true));
                }
            }

            INamedTypeSymbol type = method.ContainingType;
            if (candidates.Count == 0 && !method.IsStatic && SymbolEqualityComparer.Default.Equals(type, known.AuditLogger))
            {
                return new LoggerChoice("this", false);
            }

            var instanceOnly = new List<string>();
            var unreachable = new List<string>();
            if (candidates.Count == 0)
            {
                AddMembers(type, type, method.IsStatic, known, candidates, instanceOnly, unreachable);
            }

            var notCapturable = new List<string>();
            if (candidates.Count == 0 && !method.IsStatic)
            {
                AddPrimaryConstructorParameters(method, type, known, candidates, notCapturable, unreachable, cancellationToken);
            }

            if (candidates.Count == 0 && method.IsStatic)
            {
                // Only for the message: a static method cannot read the primary-constructor parameter either.
                var primary = new List<LoggerChoice>();
                AddPrimaryConstructorParameters(method, type, known, primary, notCapturable, unreachable, cancellationToken);
                foreach (LoggerChoice parameter in primary)
                {
                    instanceOnly.Add(parameter.Expression);
                }
            }

            for (INamedTypeSymbol? baseType = type.BaseType; candidates.Count == 0 && baseType is not null; baseType = baseType.BaseType)
            {
                AddMembers(baseType, type, method.IsStatic, known, candidates, instanceOnly, unreachable);
            }

            if (candidates.Count == 1)
            {
                return candidates[0];
            }

            if (candidates.Count > 1)
            {
                var names = new List<string>();
                foreach (LoggerChoice candidate in candidates)
                {
                    names.Add(candidate.Expression);
                }

                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleLoggers, location, method.Name, string.Join(", ", names)));
                return null;
            }

            string why = unreachable.Count > 0
                ? ": " + unreachable[0]
                : instanceOnly.Count > 0
                ? ": it is static, so the instance logger '" + instanceOnly[0] + "' of its type cannot be used; make the method an instance method, or add an AuditLogger parameter"
                : notCapturable.Count > 0
                    ? ": the primary-constructor parameter '" + notCapturable[0] + "' is passed to the base constructor or read by an initializer (capturing it too would be CS9107 or CS9124), and no field or property, of this type or an accessible one of a base type, holds it; keep it in one (private readonly AuditLogger _audit = " + notCapturable[0] + ";)"
                    : method.IsStatic
                        ? ": add an AuditLogger parameter, or give its type a static AuditLogger field or property"
                        : ": give its type one AuditLogger field, property or primary-constructor parameter, or add an AuditLogger parameter";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLogger, location, method.Name, why));
            return null;
        }

        private static void AddMembers(
            INamedTypeSymbol declaringType,
            INamedTypeSymbol eventType,
            bool fromStatic,
            KnownSymbols known,
            List<LoggerChoice> candidates,
            List<string> instanceOnly,
            List<string> unreachable)
        {
            bool inherited = !SymbolEqualityComparer.Default.Equals(declaringType, eventType);
            foreach (ISymbol member in declaringType.GetMembers())
            {
                ITypeSymbol? memberType = member switch
                {
                    IFieldSymbol { IsImplicitlyDeclared: false } field => field.Type,
                    IPropertySymbol { IsIndexer: false, IsWriteOnly: false } property => property.Type,
                    _ => null,
                };

                if (!known.IsLogger(memberType)
                    || (inherited && (member.DeclaredAccessibility == Accessibility.Private || !known.Compilation.IsSymbolAccessibleWithin(member, eventType))))
                {
                    continue;
                }

                if (!member.IsStatic && fromStatic)
                {
                    instanceOnly.Add(member.Name);
                    continue;
                }

                if (IsObsoleteError(member)
                    || (member is IPropertySymbol { GetMethod: { } getter } && IsObsoleteError(getter))
                    || (member is IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 } viaInterface
                        && (IsObsoleteError(viaInterface.ExplicitInterfaceImplementations[0])
                            || (viaInterface.ExplicitInterfaceImplementations[0].GetMethod is { } interfaceGetter && IsObsoleteError(interfaceGetter)))))
                {
                    // CS0619 cannot be suppressed in generated code; a warning-level [Obsolete] is (see the emitter).
                    unreachable.Add("its logger '" + member.Name + "' is [Obsolete] as an error, so generated code cannot read it; add an AuditLogger parameter or another field or property");
                    continue;
                }

                string typeName = declaringType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                if (member is IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 } explicitProperty)
                {
                    // Reached through the interface; a struct would be boxed by the cast, so it is not offered there.
                    if (member.IsStatic || eventType.IsValueType)
                    {
                        continue;
                    }

                    IPropertySymbol implemented = explicitProperty.ExplicitInterfaceImplementations[0];
                    candidates.Add(new LoggerChoice(
                        "((" + implemented.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ")this)." + EscapeIdentifier(implemented.Name), true));
                    continue;
                }

                string name = EscapeIdentifier(member.Name);
                if (member.IsStatic)
                {
                    candidates.Add(new LoggerChoice(typeName + "." + name, true));
                    continue;
                }

                // 'this.X' finds the first member named X from the event's type up; a member hiding an inherited logger
                // ('new string Audit') is skipped with 'base.X' when the hider is in the event's own type, else refused.
                ISymbol? seen = FirstMemberNamed(eventType, member.Name, eventType, known.Compilation);
                if (SymbolEqualityComparer.Default.Equals(seen, member))
                {
                    candidates.Add(new LoggerChoice("this." + name, true));
                }
                else if (eventType.BaseType is { } direct && SymbolEqualityComparer.Default.Equals(FirstMemberNamed(direct, member.Name, eventType, known.Compilation), member))
                {
                    candidates.Add(new LoggerChoice("base." + name, true));
                }
                else
                {
                    unreachable.Add("the inherited logger '" + member.Name + "' is hidden by '" + seen?.ToDisplayString() + "'; add an AuditLogger parameter or a field or property of another name");
                }
            }
        }

        // The member a simple name finds from inside 'within', starting at 'type': its own members first, then each base
        // type's; a member 'within' cannot access (a base type's private one) hides nothing.
        private static ISymbol? FirstMemberNamed(INamedTypeSymbol type, string name, INamedTypeSymbol within, Compilation compilation)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                foreach (ISymbol member in current.GetMembers(name))
                {
                    if (compilation.IsSymbolAccessibleWithin(member, within))
                    {
                        return member;
                    }
                }
            }

            return null;
        }

        private static bool IsObsolete(ISymbol symbol) => Obsolete(symbol) is not null;

        // [Obsolete(message, true)]: using the member is CS0619, which no pragma lifts.
        private static bool IsObsoleteError(ISymbol symbol)
            => Obsolete(symbol) is { ConstructorArguments: { Length: 2 } arguments } && arguments[1].Value is true;

        private static AttributeData? Obsolete(ISymbol symbol)
        {
            foreach (AttributeData attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute")
                {
                    return attribute;
                }
            }

            return null;
        }

        private static void AddPrimaryConstructorParameters(
            IMethodSymbol method,
            INamedTypeSymbol type,
            KnownSymbols known,
            List<LoggerChoice> candidates,
            List<string> notCapturable,
            List<string> unreachable,
            CancellationToken cancellationToken)
        {
            foreach (IMethodSymbol constructor in type.InstanceConstructors)
            {
                if (constructor.DeclaringSyntaxReferences.Length != 1
                    || constructor.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
                {
                    continue;
                }

                foreach (IParameterSymbol parameter in constructor.Parameters)
                {
                    if (!known.IsLogger(parameter.Type))
                    {
                        continue;
                    }

                    if (IsPassedToBase(parameter, declaration, known.Compilation, cancellationToken)
                        || IsUsedInInitializer(parameter, type, known.Compilation, cancellationToken))
                    {
                        notCapturable.Add(parameter.Name);
                        continue;
                    }

                    // Inside the method, a parameter of the method or a member of the type (its own or inherited) with the
                    // same name hides the primary-constructor parameter: the generated body could not name it (CS0029).
                    string? hider = null;
                    foreach (IParameterSymbol own in method.Parameters)
                    {
                        if (own.Name == parameter.Name)
                        {
                            hider = "the method's parameter '" + own.Name + "'";
                        }
                    }

                    if (hider is null && FirstMemberNamed(type, parameter.Name, type, known.Compilation) is { } member)
                    {
                        hider = "the member '" + member.ToDisplayString() + "'";
                    }

                    if (hider is null && FindTypeParameter(type, parameter.Name) is { } typeParameter)
                    {
                        hider = "the type parameter '" + typeParameter + "'";
                    }

                    if (hider is not null)
                    {
                        unreachable.Add("the primary-constructor parameter '" + parameter.Name + "' is hidden by " + hider + "; rename one of them, or keep the logger in a field");
                        continue;
                    }

                    candidates.Add(new LoggerChoice(EscapeIdentifier(parameter.Name), true));
                }
            }
        }

        private static string? FindTypeParameter(INamedTypeSymbol type, string name)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                foreach (ITypeParameterSymbol typeParameter in current.TypeParameters)
                {
                    if (typeParameter.Name == name)
                    {
                        return name;
                    }
                }
            }

            return null;
        }

        // Whether the parameter appears in the base-constructor arguments of the type's primary declaration.
        private static bool IsPassedToBase(IParameterSymbol parameter, TypeDeclarationSyntax declaration, Compilation compilation, CancellationToken cancellationToken)
            => declaration.BaseList is { Types.Count: > 0 } baseList
                && baseList.Types[0] is PrimaryConstructorBaseTypeSyntax baseCall
                && Mentions(baseCall.ArgumentList, parameter, compilation, cancellationToken);

        // Whether a field or property initializer in any part of the type reads the parameter: capturing it as well
        // would be CS9124.
        private static bool IsUsedInInitializer(IParameterSymbol parameter, INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax part)
                {
                    continue;
                }

                foreach (MemberDeclarationSyntax member in part.Members)
                {
                    SyntaxNode? initializer = member switch
                    {
                        BaseFieldDeclarationSyntax field => field.Declaration,
                        PropertyDeclarationSyntax { Initializer: { } value } => value,
                        _ => null,
                    };

                    if (initializer is not null && Mentions(initializer, parameter, compilation, cancellationToken))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool Mentions(SyntaxNode node, IParameterSymbol parameter, Compilation compilation, CancellationToken cancellationToken)
        {
            SemanticModel? model = null;
            foreach (IdentifierNameSyntax identifier in node.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != parameter.Name)
                {
                    continue;
                }

#pragma warning disable RS1030 // The node may be in another tree (another partial part) than the one being transformed.
                model ??= compilation.GetSemanticModel(node.SyntaxTree);
#pragma warning restore RS1030
                if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, parameter))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
