using System;
using System.Collections.Generic;
using System.Security.Claims;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>Reads a request's audit fields without allocating: request id, client address, endpoint and key.</summary>
internal static class HttpAudit
{
    /// <summary>The characters of a W3C trace id: 16 bytes as lowercase hex.</summary>
    public const int TraceIdChars = 32;

    private const string BearerPrefix = "Bearer ";

    /// <summary>The request id: the trace identifier, or the W3C trace id formatted into <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<char> RequestId(HttpContext context, AuditRequestIdSource source, Span<char> scratch)
    {
        if (source == AuditRequestIdSource.W3CTraceId && Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            Span<byte> traceId = stackalloc byte[TraceIdChars / 2];
            activity.TraceId.CopyTo(traceId);
            Convert.TryToHexStringLower(traceId, scratch, out int written);
            return scratch.Slice(0, written);
        }

        return context.TraceIdentifier;
    }

    /// <summary>
    /// The client's address: the connection feature's, which the forwarded-headers middleware rewrites. Read from the
    /// feature, not <c>HttpContext.Connection</c>, whose wrapper object is made on first use in a fresh context.
    /// </summary>
    public static System.Net.IPAddress? ClientIp(HttpContext context) => context.Features.Get<IHttpConnectionFeature>()?.RemoteIpAddress;

    /// <summary>The endpoint written: the request's path (after <c>UsePathBase</c>), <c>/</c> for an empty one.</summary>
    public static string Endpoint(HttpContext context) => context.Request.Path.Value is { Length: > 0 } path ? path : "/";

    /// <summary>The key of the request: the API-key identity's, or read from the header (allocating the cut only then).</summary>
    public static string? Key(HttpContext context, string? headerName)
    {
        // ClaimsPrincipal.Identity walks the identities through a boxed enumerator: indexed here instead.
        if (context.User.Identities is IList<ClaimsIdentity> identities)
        {
            for (int i = 0; i < identities.Count; i++)
            {
                if (identities[i] is ApiKeyIdentity identity)
                {
                    return identity.Key;
                }
            }
        }
        else if (context.User.Identity is ApiKeyIdentity identity)
        {
            return identity.Key;
        }

        return ReadKey(context.Request, headerName);
    }

    /// <summary>The key in <paramref name="headerName"/>, or after <c>Bearer </c> in <c>Authorization</c>; null if none.</summary>
    public static string? ReadKey(HttpRequest request, string? headerName)
    {
        if (headerName is not null)
        {
            string? value = request.Headers[headerName];
            return string.IsNullOrEmpty(value) ? null : value;
        }

        string? authorization = request.Headers[HeaderNames.Authorization];
        if (authorization is null || authorization.Length <= BearerPrefix.Length
            || !authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return authorization.Substring(BearerPrefix.Length).Trim();
    }

    /// <summary>
    /// The registered logger and a request's fields, when auditing is on (false, with nothing read, when it is off or
    /// no logger is registered). The request id may be formatted into <paramref name="scratch"/>.
    /// </summary>
    public static bool TryFields(HttpContext context, Span<char> scratch, out AuditLogger audit, out ReadOnlySpan<char> requestId, out System.Net.IPAddress? clientIp, out string? key)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.RequestServices.GetService(typeof(AuditLogger)) is not AuditLogger registered || !registered.Options.Enabled)
        {
            audit = null!;
            requestId = default;
            clientIp = null;
            key = null;
            return false;
        }

        InfernumAuditHttpOptions options = Options(context);
        audit = registered;
        requestId = RequestId(context, options.RequestId, scratch);
        clientIp = ClientIp(context);
        key = Key(context, options.KeyHeaderName);
        return true;
    }

    public static InfernumAuditHttpOptions Options(HttpContext context)
        => context.RequestServices.GetService<IOptions<InfernumAuditHttpOptions>>()?.Value ?? Default;

    private static readonly InfernumAuditHttpOptions Default = new();
}
