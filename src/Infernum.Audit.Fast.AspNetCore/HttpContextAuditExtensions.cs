using System;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// The admin events of a request (<c>model_load</c>, <c>model_unload</c>, <c>key_created</c>, <c>key_revoked</c>),
/// with its request id, client address and key filled in as the other request events are. Allocation-free; the
/// <see cref="AuditLogger"/> is the one registered in the request's services; with none, or with auditing off, nothing is written.
/// </summary>
public static class HttpContextAuditExtensions
{
    /// <summary>Writes <c>model_load</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="modelId">The model loaded.</param>
    /// <param name="success">Whether it loaded.</param>
    public static void AuditModelLoad(this HttpContext context, string modelId, bool success)
    {
        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        if (HttpAudit.TryFields(context, scratch, out AuditLogger audit, out ReadOnlySpan<char> requestId, out IPAddress? clientIp, out string? key))
        {
            audit.ModelLoad(requestId, clientIp, key, modelId, success);
        }
    }

    /// <summary>Writes <c>model_unload</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="modelId">The model unloaded.</param>
    /// <param name="success">Whether it unloaded.</param>
    public static void AuditModelUnload(this HttpContext context, string modelId, bool success)
    {
        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        if (HttpAudit.TryFields(context, scratch, out AuditLogger audit, out ReadOnlySpan<char> requestId, out IPAddress? clientIp, out string? key))
        {
            audit.ModelUnload(requestId, clientIp, key, modelId, success);
        }
    }

    /// <summary>Writes <c>key_created</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="newKeyPrefix">The new key's public prefix. Cut to <see cref="AuditOptions.KeyPrefixLength"/> chars (default 8) before it is written, never inside a surrogate pair, so that a full key passed by mistake is not written whole.</param>
    /// <exception cref="ArgumentNullException"><paramref name="newKeyPrefix"/> is null.</exception>
    public static void AuditKeyCreated(this HttpContext context, string newKeyPrefix)
    {
        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        if (HttpAudit.TryFields(context, scratch, out AuditLogger audit, out ReadOnlySpan<char> requestId, out IPAddress? clientIp, out string? key))
        {
            audit.KeyCreated(requestId, clientIp, key, HttpAudit.CutPrefix(newKeyPrefix, audit.Options.KeyPrefixLength));
        }
    }

    /// <summary>Writes <c>key_revoked</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="revokedKeyPrefix">The revoked key's public prefix. Cut to <see cref="AuditOptions.KeyPrefixLength"/> chars (default 8) before it is written, never inside a surrogate pair, so that a full key passed by mistake is not written whole.</param>
    /// <exception cref="ArgumentNullException"><paramref name="revokedKeyPrefix"/> is null.</exception>
    public static void AuditKeyRevoked(this HttpContext context, string revokedKeyPrefix)
    {
        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        if (HttpAudit.TryFields(context, scratch, out AuditLogger audit, out ReadOnlySpan<char> requestId, out IPAddress? clientIp, out string? key))
        {
            audit.KeyRevoked(requestId, clientIp, key, HttpAudit.CutPrefix(revokedKeyPrefix, audit.Options.KeyPrefixLength));
        }
    }
}
