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

    /// <summary>
    /// The key of the request, only from a principal that authenticated: the API-key identity's key; else, when
    /// another scheme authenticated the request, the key its header carried (read, and the cut allocated, only then).
    /// Null when nothing authenticated: a key the store rejected, or one on an endpoint nobody authenticated, is
    /// never written.
    /// </summary>
    public static string? Key(HttpContext context, string? headerName)
    {
        bool authenticated = false;

        // ClaimsPrincipal.Identity walks the identities through a boxed enumerator: indexed here instead.
        if (context.User.Identities is IList<ClaimsIdentity> identities)
        {
            for (int i = 0; i < identities.Count; i++)
            {
                if (identities[i] is ApiKeyIdentity identity)
                {
                    return identity.Key;
                }

                authenticated |= identities[i].IsAuthenticated;
            }
        }
        else if (context.User.Identity is ApiKeyIdentity identity)
        {
            return identity.Key;
        }
        else
        {
            authenticated = context.User.Identity?.IsAuthenticated == true;
        }

        return authenticated && ReadKey(context.Request, headerName, out string? key) == KeyPresence.Present ? key : null;
    }

    /// <summary>
    /// The key in <paramref name="headerName"/>, or after <c>Bearer </c> in <c>Authorization</c>. A header sent more
    /// than once is <see cref="KeyPresence.Malformed"/>: its values are never joined into one key.
    /// </summary>
    public static KeyPresence ReadKey(HttpRequest request, string? headerName, out string? key)
    {
        key = null;
        Microsoft.Extensions.Primitives.StringValues values = request.Headers[headerName ?? HeaderNames.Authorization];
        if (values.Count == 0)
        {
            return KeyPresence.Absent;
        }

        if (values.Count > 1)
        {
            return KeyPresence.Malformed;
        }

        string? value = values[0];
        if (headerName is not null)
        {
            if (string.IsNullOrEmpty(value))
            {
                return KeyPresence.Absent;
            }

            key = value;
            return KeyPresence.Present;
        }

        if (value is null || value.Length <= BearerPrefix.Length
            || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return KeyPresence.Absent;
        }

        key = value.Substring(BearerPrefix.Length).Trim();
        return key.Length == 0 ? KeyPresence.Absent : KeyPresence.Present;
    }

    /// <summary>
    /// <paramref name="prefix"/> cut to <see cref="AuditOptions.KeyPrefixLength"/> chars, never between the two
    /// halves of a surrogate pair (a pair that would be split is left out whole). Allocates only when it cuts.
    /// </summary>
    public static string CutPrefix(string prefix, int length)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length <= length)
        {
            return prefix;
        }

        if (length > 0 && char.IsHighSurrogate(prefix[length - 1]))
        {
            length--;
        }

        return prefix.Substring(0, length);
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

/// <summary>What a request's key header holds.</summary>
internal enum KeyPresence
{
    /// <summary>No key: no header, an empty one, or an <c>Authorization</c> of another scheme.</summary>
    Absent,

    /// <summary>One key.</summary>
    Present,

    /// <summary>The header sent more than once: no key is taken from it.</summary>
    Malformed,
}
