using System;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.AspNetCore;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Infernum.Audit.Fast.Gateway;

/// <summary>
/// The comparison contender: the same events written through Serilog's file sink (compact JSON) from the same hooks —
/// the key lookup, the challenge, the authorization result and the rate limiter's rejection — as a team would write
/// them without Infernum: the address as a string, the key prefix cut with Substring, a message template per line.
/// </summary>
internal sealed class SerilogAudit
{
    private const string Template = "{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success} {details}";

    private readonly Serilog.ILogger _log;

    public SerilogAudit(Serilog.ILogger log) => _log = log;

    public void Write(HttpContext context, string eventType, string? key, string endpoint, bool success, string? details)
        => _log.Information(Template, eventType, context.TraceIdentifier, context.Connection.RemoteIpAddress?.ToString(), key is null ? null : key.Substring(0, Math.Min(8, key.Length)), endpoint, success, details);

    /// <summary>The key store, audited: each lookup's outcome is a line.</summary>
    internal sealed class Store(GatewayKeys inner, SerilogAudit audit, IHttpContextAccessor accessor) : IApiKeyStore
    {
        public async ValueTask<ApiKeyLookup> FindAsync(string key, CancellationToken cancellationToken)
        {
            ApiKeyLookup found = await inner.FindAsync(key, cancellationToken).ConfigureAwait(false);
            HttpContext context = accessor.HttpContext!;
            string endpoint = context.Request.Path.Value ?? "/";
            switch (found.Status)
            {
                case ApiKeyStatus.Valid:
                    audit.Write(context, "auth_success", key, endpoint, true, null);
                    break;
                case ApiKeyStatus.Expired:
                    audit.Write(context, "auth_expired", key, endpoint, false, "API key has expired");
                    break;
                case ApiKeyStatus.Disabled:
                    audit.Write(context, "auth_disabled", key, endpoint, false, "API key is disabled");
                    break;
                default:
                    audit.Write(context, "auth_failure", null, endpoint, false, "invalid_key");
                    break;
            }

            return found;
        }
    }

    /// <summary>Scope violations, from the authorization middleware's result.</summary>
    internal sealed class AuthorizationResults(SerilogAudit audit) : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _inner = new();

        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure is { } failure)
            {
                foreach (IAuthorizationRequirement requirement in failure.FailedRequirements)
                {
                    if (requirement is ScopeRequirement scope)
                    {
                        audit.Write(context, "scope_violation", Key(context), context.Request.Path.Value ?? "/", false, "Required scope: " + scope.Scope);
                        break;
                    }
                }
            }
            else if (authorizeResult.Challenged && string.IsNullOrEmpty(context.Request.Headers.Authorization))
            {
                audit.Write(context, "auth_failure", null, context.Request.Path.Value ?? "/", false, "missing_key");
            }

            return _inner.HandleAsync(next, context, policy, authorizeResult);
        }
    }

    public static string? Key(HttpContext context)
    {
        string? authorization = context.Request.Headers.Authorization;
        return authorization is { Length: > 7 } ? authorization.Substring(7) : null;
    }
}
