namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>Names used by the API-key scheme.</summary>
public static class ApiKeyAuthenticationDefaults
{
    /// <summary>The scheme's default name: <c>ApiKey</c>.</summary>
    public const string AuthenticationScheme = "ApiKey";

    /// <summary>The claim type of a scope: <c>scope</c> (OAuth 2.0, RFC 8693 section 4.2).</summary>
    public const string ScopeClaimType = "scope";

    /// <summary>The <c>details</c> of <c>auth_failure</c> for a key no store knows.</summary>
    public const string InvalidKeyReason = "invalid_key";

    /// <summary>The <c>details</c> of <c>auth_failure</c> for a request to a protected endpoint that presents no key.</summary>
    public const string MissingKeyReason = "missing_key";

    /// <summary>The <c>details</c> of <c>auth_failure</c> for a key header sent more than once (its values are not joined into a key; no prefix is written).</summary>
    public const string MalformedKeyReason = "malformed_key";

    /// <summary>The <c>details</c> of <c>auth_failure</c> when the application's key store threw; the exception then propagates to the caller of authentication.</summary>
    public const string StoreErrorReason = "store_error";
}
