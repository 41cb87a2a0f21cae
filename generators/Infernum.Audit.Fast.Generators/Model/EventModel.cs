using Infernum.Audit.Fast.Generators.Helpers;

namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>Everything the emitter needs for one event method; holds no Roslyn object, so it caches by value.</summary>
/// <param name="TypeIdentity">The containing type's exact identity (namespace, nesting and arity): events group by it.</param>
/// <param name="Namespace">The containing namespace, or null for the global one.</param>
/// <param name="ContainingTypes">Outermost first.</param>
/// <param name="MethodName">The method's name.</param>
/// <param name="Modifiers">The declaration's modifiers as written (<c>public static partial</c>).</param>
/// <param name="ReturnsBool">Whether the method returns whether the event was accepted.</param>
/// <param name="LoggerExpression">The expression giving the <c>AuditLogger</c>.</param>
/// <param name="LoggerMayBeNull">Whether that expression can be null (a parameter, field or property).</param>
/// <param name="EventName">The <c>event_type</c>.</param>
/// <param name="Endpoint">The fixed endpoint, when no parameter gives one.</param>
/// <param name="Success">The fixed success value, when no parameter gives one.</param>
/// <param name="Details">The parsed details template, or empty when none.</param>
/// <param name="HasDetailsTemplate">Whether a details template was given (an empty one writes <c>""</c>).</param>
/// <param name="Parameters">Every parameter, in declaration order.</param>
/// <param name="DeclaresMethodImpl">Whether the declaration carries its own <c>[MethodImpl]</c> (the generated part then adds none).</param>
/// <param name="Location">Where the method is declared, by value (for diagnostics that compare events).</param>
internal sealed record EventModel(
    string TypeIdentity,
    string? Namespace,
    EquatableArray<TypeDeclarationModel> ContainingTypes,
    string MethodName,
    string Modifiers,
    bool ReturnsBool,
    string LoggerExpression,
    bool LoggerMayBeNull,
    string EventName,
    string? Endpoint,
    bool Success,
    EquatableArray<TemplatePart> Details,
    bool HasDetailsTemplate,
    EquatableArray<ParameterModel> Parameters,
    bool DeclaresMethodImpl,
    LocationInfo? Location)
{
    /// <summary>The containing type as a reader names it (<c>Sample.Audit.ApiEvents</c>), for the catalog and hint names.</summary>
    public string TypeKey
    {
        get
        {
            var key = new System.Text.StringBuilder(Namespace ?? string.Empty);
            foreach (TypeDeclarationModel type in ContainingTypes)
            {
                // A type in the global namespace has no leading dot ("Tests.Smoke", not ".Tests.Smoke").
                key.Append(key.Length > 0 ? "." : string.Empty).Append(type.Name);
            }

            return key.ToString();
        }
    }
}
