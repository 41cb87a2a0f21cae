using System;

namespace Infernum.Audit.Fast;

/// <summary>
/// Marks a sensitive parameter: it is never written, only a fingerprint of it — the first 12 hex digits of
/// HMAC-SHA256 over its UTF-8 text under <see cref="AuditOptions.RedactionKey"/> — so equal values stay
/// correlatable across lines while the value cannot be recovered. The field is named after the parameter
/// (or <see cref="Name"/>); a null value leaves it out.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AuditRedactAttribute : Attribute
{
    /// <summary>The field's name; by default the parameter's name in snake_case.</summary>
    public string? Name { get; set; }
}
