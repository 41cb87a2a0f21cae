namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>How the ASP.NET Core integration fills the request fields of its audit lines.</summary>
public sealed class InfernumAuditHttpOptions
{
    /// <summary>What <c>request_id</c> is. Default <see cref="AuditRequestIdSource.TraceIdentifier"/>.</summary>
    public AuditRequestIdSource RequestId { get; set; } = AuditRequestIdSource.TraceIdentifier;

    /// <summary>
    /// The header a key is read from, for <c>scope_violation</c> and <c>rate_limited</c> lines of requests that the
    /// API-key scheme did not authenticate (another scheme, or the limiter ran first). Default <see langword="null"/>:
    /// <c>Authorization: Bearer</c>. Only the key's prefix is ever written.
    /// </summary>
    public string? KeyHeaderName { get; set; }
}
