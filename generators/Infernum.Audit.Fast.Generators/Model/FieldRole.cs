namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>What a parameter becomes in the line.</summary>
internal enum FieldRole
{
    /// <summary>The logger itself (static form): not written.</summary>
    Logger,
    RequestId,
    ClientIp,
    /// <summary>An <c>[AuditKey]</c> parameter: written only as <c>key_prefix</c>.</summary>
    Key,
    Endpoint,
    Success,
    Details,
    /// <summary>Named by the details template and written only there.</summary>
    TemplateOnly,
    /// <summary>A field of its own after <c>details</c>.</summary>
    Extra,
    /// <summary>An <c>[AuditRedact]</c> parameter: a field after <c>details</c> holding a keyed fingerprint, never the value.</summary>
    Redacted,
}
