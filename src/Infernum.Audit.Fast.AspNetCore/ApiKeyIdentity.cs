using System.Collections.Generic;
using System.Security.Claims;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// The identity of a request the API-key scheme authenticated. It holds the key for the request's later audit lines
/// (only its prefix is ever written) outside the claims, so that nothing serializing or logging claims can see it.
/// </summary>
public sealed class ApiKeyIdentity : ClaimsIdentity
{
    /// <summary>Creates the identity of a valid key.</summary>
    /// <param name="key">The key presented.</param>
    /// <param name="keyId">The key's id, the identity's name; null for none.</param>
    /// <param name="scopes">The key's scopes, each a <see cref="ApiKeyAuthenticationDefaults.ScopeClaimType"/> claim; null for none.</param>
    /// <param name="authenticationType">The scheme's name.</param>
    public ApiKeyIdentity(string key, string? keyId, IReadOnlyList<string>? scopes, string authenticationType)
        : base(ClaimsOf(keyId, scopes), authenticationType, ClaimTypes.Name, ClaimTypes.Role)
        => Key = key;

    /// <summary>The key as presented. A secret: write only its prefix (the audit events do).</summary>
    internal string Key { get; }

    private static List<Claim> ClaimsOf(string? keyId, IReadOnlyList<string>? scopes)
    {
        var claims = new List<Claim>((scopes?.Count ?? 0) + 1);
        if (keyId is not null)
        {
            claims.Add(new Claim(ClaimTypes.Name, keyId));
        }

        if (scopes is not null)
        {
            for (int i = 0; i < scopes.Count; i++)
            {
                claims.Add(new Claim(ApiKeyAuthenticationDefaults.ScopeClaimType, scopes[i]));
            }
        }

        return claims;
    }
}
