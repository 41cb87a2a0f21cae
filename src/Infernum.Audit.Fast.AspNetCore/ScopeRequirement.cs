using System;
using System.Security.Claims;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authorization;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// Requires a scope: a <c>scope</c> claim equal to it, or holding it in a space-separated list (the OAuth 2.0 form,
/// RFC 6749 section 3.3), from any authentication scheme. A request it forbids is audited as <c>scope_violation</c>
/// by <see cref="AuditingAuthorizationResultHandler"/>.
/// </summary>
public sealed class ScopeRequirement : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    /// <summary>Creates the requirement.</summary>
    /// <param name="scope">The scope required; non-empty, without spaces.</param>
    /// <exception cref="ArgumentException"><paramref name="scope"/> is empty or holds a space.</exception>
    public ScopeRequirement(string scope)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        if (scope.Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException("A scope holds no spaces (RFC 6749 section 3.3).", nameof(scope));
        }

        Scope = scope;
    }

    /// <summary>The scope required.</summary>
    public string Scope { get; }

    /// <inheritdoc/>
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (Holds(context.User, requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    private static bool Holds(ClaimsPrincipal user, string scope)
    {
        foreach (ClaimsIdentity identity in user.Identities)
        {
            foreach (Claim claim in identity.Claims)
            {
                if (claim.Type == ApiKeyAuthenticationDefaults.ScopeClaimType && Lists(claim.Value, scope))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool Lists(ReadOnlySpan<char> scopes, ReadOnlySpan<char> scope)
    {
        foreach (Range part in scopes.Split(' '))
        {
            if (scopes[part].SequenceEqual(scope))
            {
                return true;
            }
        }

        return false;
    }
}
