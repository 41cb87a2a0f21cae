using System;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// The admin events of a request (<c>model_load</c>, <c>model_unload</c>, <c>key_created</c>, <c>key_revoked</c>),
/// with its request id, client address and key filled in as the other request events are. Allocation-free; the
/// <see cref="AuditLogger"/> is the one registered in the request's services.
/// </summary>
public static class HttpContextAuditExtensions
{
    /// <summary>Writes <c>model_load</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="modelId">The model loaded.</param>
    /// <param name="success">Whether it loaded.</param>
    /// <exception cref="InvalidOperationException">No <see cref="AuditLogger"/> is registered.</exception>
    public static void AuditModelLoad(this HttpContext context, string modelId, bool success)
    {
        (AuditLogger audit, InfernumAuditHttpOptions options) = Services(context);
        if (!audit.Options.Enabled)
        {
            return;
        }

        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        RequestAuditEvents.ModelLoad(audit, HttpAudit.RequestId(context, options.RequestId, scratch), context.Connection.RemoteIpAddress, HttpAudit.Key(context, options.KeyHeaderName), modelId, success);
    }

    /// <summary>Writes <c>model_unload</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="modelId">The model unloaded.</param>
    /// <param name="success">Whether it unloaded.</param>
    /// <exception cref="InvalidOperationException">No <see cref="AuditLogger"/> is registered.</exception>
    public static void AuditModelUnload(this HttpContext context, string modelId, bool success)
    {
        (AuditLogger audit, InfernumAuditHttpOptions options) = Services(context);
        if (!audit.Options.Enabled)
        {
            return;
        }

        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        RequestAuditEvents.ModelUnload(audit, HttpAudit.RequestId(context, options.RequestId, scratch), context.Connection.RemoteIpAddress, HttpAudit.Key(context, options.KeyHeaderName), modelId, success);
    }

    /// <summary>Writes <c>key_created</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="newKeyPrefix">The new key's public prefix (never the key).</param>
    /// <exception cref="InvalidOperationException">No <see cref="AuditLogger"/> is registered.</exception>
    public static void AuditKeyCreated(this HttpContext context, string newKeyPrefix)
    {
        (AuditLogger audit, InfernumAuditHttpOptions options) = Services(context);
        if (!audit.Options.Enabled)
        {
            return;
        }

        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        RequestAuditEvents.KeyCreated(audit, HttpAudit.RequestId(context, options.RequestId, scratch), context.Connection.RemoteIpAddress, HttpAudit.Key(context, options.KeyHeaderName), newKeyPrefix);
    }

    /// <summary>Writes <c>key_revoked</c> for this request.</summary>
    /// <param name="context">The request.</param>
    /// <param name="revokedKeyPrefix">The revoked key's public prefix (never the key).</param>
    /// <exception cref="InvalidOperationException">No <see cref="AuditLogger"/> is registered.</exception>
    public static void AuditKeyRevoked(this HttpContext context, string revokedKeyPrefix)
    {
        (AuditLogger audit, InfernumAuditHttpOptions options) = Services(context);
        if (!audit.Options.Enabled)
        {
            return;
        }

        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        RequestAuditEvents.KeyRevoked(audit, HttpAudit.RequestId(context, options.RequestId, scratch), context.Connection.RemoteIpAddress, HttpAudit.Key(context, options.KeyHeaderName), revokedKeyPrefix);
    }

    private static (AuditLogger Audit, InfernumAuditHttpOptions Options) Services(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (context.RequestServices.GetRequiredService<AuditLogger>(), HttpAudit.Options(context));
    }
}
