using Microsoft.AspNetCore.Authentication;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>Options of the API-key scheme.</summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// The header carrying the key. Default <see langword="null"/>: <c>Authorization: Bearer &lt;key&gt;</c> (RFC 6750
    /// section 2.1). Set, for example <c>X-Api-Key</c>, the header's whole value is the key.
    /// </summary>
    public string? HeaderName { get; set; }
}
