using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// The authorization middleware's result handler, audited: every request it forbids on a <see cref="ScopeRequirement"/>
/// writes <c>scope_violation</c> (one line per request, the first missing scope), whatever scheme authenticated it;
/// then the framework's own handler answers (403, or the scheme's challenge).
/// </summary>
public sealed class AuditingAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly IAuthorizationMiddlewareResultHandler _inner;
    private readonly AuditLogger _audit;

    /// <summary>Wraps <paramref name="inner"/> (the framework's <see cref="AuthorizationMiddlewareResultHandler"/> when null).</summary>
    /// <param name="audit">The audit logger.</param>
    /// <param name="inner">The handler that answers the request.</param>
    public AuditingAuthorizationResultHandler(AuditLogger audit, IAuthorizationMiddlewareResultHandler? inner = null)
    {
        System.ArgumentNullException.ThrowIfNull(audit);
        _audit = audit;
        _inner = inner ?? new AuthorizationMiddlewareResultHandler();
    }

    /// <inheritdoc/>
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure is { } failure && _audit.Options.Enabled
            && MissingScope(failure.FailedRequirements) is { } scope)
        {
            Write(context, scope);
        }

        return _inner.HandleAsync(next, context, policy, authorizeResult);
    }

    private static string? MissingScope(IEnumerable<IAuthorizationRequirement> failed)
    {
        // The framework hands over its set of pending requirements: walked by its struct enumerator, no allocation.
        if (failed is HashSet<IAuthorizationRequirement> set)
        {
            foreach (IAuthorizationRequirement requirement in set)
            {
                if (requirement is ScopeRequirement scope)
                {
                    return scope.Scope;
                }
            }

            return null;
        }

        foreach (IAuthorizationRequirement requirement in failed)
        {
            if (requirement is ScopeRequirement scope)
            {
                return scope.Scope;
            }
        }

        return null;
    }

    private static void Write(HttpContext context, string requiredScope)
    {
        System.Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        if (HttpAudit.TryFields(context, scratch, out AuditLogger audit, out System.ReadOnlySpan<char> requestId, out System.Net.IPAddress? clientIp, out string? key))
        {
            audit.ScopeViolation(requestId, clientIp, key, HttpAudit.Endpoint(context), requiredScope);
        }
    }
}
