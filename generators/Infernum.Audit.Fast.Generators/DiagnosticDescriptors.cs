using Microsoft.CodeAnalysis;

namespace Infernum.Audit.Fast.Generators;

/// <summary>
/// Every diagnostic the generator reports. Ids are stable and never reused; each is documented in docs/diagnostics.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Infernum.Audit.Fast";
    // First among the statics: every descriptor below reads it. The page is set at build time (the generator
    // project's InfernumDocumentationUrl); docs/diagnostics.md is also shipped in the package.
    private static readonly string HelpBase = DocumentationUrl() + "#";

    public static readonly DiagnosticDescriptor NotPartial = Error(
        "INFAUD001", "Audit event method must be partial",
        "Audit event method '{0}' must be declared 'partial' without a body; the generator writes its body");

    public static readonly DiagnosticDescriptor HasBody = Error(
        "INFAUD002", "Audit event method must not have a body",
        "Audit event method '{0}' has a body; declare it 'partial' without one");

    public static readonly DiagnosticDescriptor InvalidReturnType = Error(
        "INFAUD003", "Audit event method must return void or bool",
        "Audit event method '{0}' returns '{1}'; it must return void, or bool for whether the event was accepted");

    public static readonly DiagnosticDescriptor Generic = Error(
        "INFAUD004", "Audit event method must not be generic",
        "Audit event method '{0}' is generic; its line layout must be known at compile time");

    public static readonly DiagnosticDescriptor RefParameter = Error(
        "INFAUD005", "Audit event parameter must be passed by value",
        "Parameter '{0}' is {1}; audit event parameters are named values passed by value");

    public static readonly DiagnosticDescriptor NoLogger = Error(
        "INFAUD006", "No AuditLogger available",
        "Audit event method '{0}' has no AuditLogger{1}");

    public static readonly DiagnosticDescriptor MultipleLoggers = Error(
        "INFAUD007", "More than one AuditLogger available",
        "Audit event method '{0}' can use more than one AuditLogger ({1}); keep exactly one");

    public static readonly DiagnosticDescriptor UnsupportedParameterType = Error(
        "INFAUD008", "Unsupported audit parameter type",
        "Parameter '{0}' has type '{1}', which cannot be written as a '{2}' field{3}");

    public static readonly DiagnosticDescriptor TemplateHoleWithoutParameter = Error(
        "INFAUD009", "Details template names no parameter",
        "Details template hole '{{{0}}}' names no parameter of '{1}'{2}");

    public static readonly DiagnosticDescriptor MalformedTemplate = Error(
        "INFAUD010", "Malformed details template",
        "Details template of '{0}' is malformed: {1}");

    public static readonly DiagnosticDescriptor DuplicateFieldName = Error(
        "INFAUD011", "Two parameters write the same field",
        "Parameter '{0}' writes field '{1}', which {2} already writes");

    public static readonly DiagnosticDescriptor InvalidEventName = Error(
        "INFAUD012", "Invalid audit event name",
        "Audit event name '{0}' {1}");

    public static readonly DiagnosticDescriptor DuplicateEventName = Error(
        "INFAUD013", "Audit event name declared twice with different fields",
        "Audit event name '{0}' is also declared by '{1}' with different fields");

    // An error by default: an audit log is kept for years and read by many. A user who means it lowers it in
    // .editorconfig (dotnet_diagnostic.INFAUD014.severity = warning); it never stops the method from being generated.
    public static readonly DiagnosticDescriptor SecretWrittenVerbatim = Error(
        "INFAUD014", "Parameter that looks like a secret is written verbatim",
        "Parameter '{0}' looks like a secret and is written verbatim; mark it [AuditKey] (prefix only) or [AuditRedact] (fingerprint), or rename it if it is not one");

    public static readonly DiagnosticDescriptor MissingRequiredField = Error(
        "INFAUD015", "Audit event lacks a required field",
        "Audit event method '{0}' gives no '{1}': {2}");

    public static readonly DiagnosticDescriptor InvalidFieldName = Error(
        "INFAUD016", "Invalid field name",
        "Field name '{0}' of parameter '{1}' is not lowercase snake_case");

    public static readonly DiagnosticDescriptor SecretInTemplate = Error(
        "INFAUD017", "Key or redacted parameter used in the details template",
        "Parameter '{0}' is [AuditKey] or [AuditRedact] and cannot appear in the details template of '{1}': it would be written verbatim");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error(
        "INFAUD018", "C# 11 or later is required",
        "Audit event method '{0}' is compiled as C# {1}; the generated body needs C# 11 or later (UTF-8 string literals)");

    public static readonly DiagnosticDescriptor FileLocalType = Error(
        "INFAUD019", "Audit event in a file-local type",
        "Audit event method '{0}' is in the file-local type '{1}', which generated code in another file cannot extend");

    public static readonly DiagnosticDescriptor NotAPartialMethod = Error(
        "INFAUD020", "AuditEvent on something that is not a method declaration",
        "[AuditEvent] is on {0}; it belongs on a partial method declared in a type");

    public static readonly DiagnosticDescriptor LoggerInTemplate = Error(
        "INFAUD021", "Details template names the AuditLogger",
        "Details template hole '{{{0}}}' names the AuditLogger parameter of '{1}', which is not a value");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "INFAUD022", "Containing type must be partial",
        "Audit event method '{0}' is in '{1}', which is not declared 'partial'; the generated body is added to every containing type");

    private static string DocumentationUrl()
    {
        foreach (object attribute in typeof(DiagnosticDescriptors).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false))
        {
            if (attribute is System.Reflection.AssemblyMetadataAttribute { Key: "InfernumDocumentationUrl", Value: { Length: > 0 } url })
            {
                return url;
            }
        }

        return "https://www.nuget.org/packages/Infernum.Audit.Fast";
    }

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

}
