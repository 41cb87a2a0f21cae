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
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure is { } failure && _audit.Options.Enabled)
        {
            foreach (IAuthorizationRequirement requirement in failure.FailedRequirements)
            {
                if (requirement is ScopeRequirement scope)
                {
                    Write(context, scope.Scope);
                    break;
                }
            }
        }

        return _inner.HandleAsync(next, context, policy, authorizeResult);
    }

    private void Write(HttpContext context, string requiredScope)
    {
        InfernumAuditHttpOptions options = HttpAudit.Options(context);
        System.Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        RequestAuditEvents.ScopeViolation(
            _audit, HttpAudit.RequestId(context, options.RequestId, scratch), context.Connection.RemoteIpAddress,
            HttpAudit.Key(context, options.KeyHeaderName), HttpAudit.Endpoint(context), requiredScope);
    }
}
