using System;
using System.Net;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// The built-in events as a request writes them: the same names, fields, endpoints, details and success values as
/// <see cref="AuditLogger"/>'s (the generator checks that one name means one line), but the request id as a char span
/// (a trace id formatted on the stack) and the client address as the connection's <see cref="IPAddress"/>.
/// </summary>
internal static partial class RequestAuditEvents
{
    [AuditEvent(AuditEventType.AuthSuccess)]
    public static partial void AuthSuccess(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    [AuditEvent(AuditEventType.AuthFailure, Success = false, Details = "{reason}")]
    public static partial void AuthFailure(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, string reason, string endpoint);

    [AuditEvent(AuditEventType.AuthExpired, Success = false, Details = "API key has expired")]
    public static partial void AuthExpired(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    [AuditEvent(AuditEventType.AuthDisabled, Success = false, Details = "API key is disabled")]
    public static partial void AuthDisabled(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    [AuditEvent(AuditEventType.ScopeViolation, Success = false, Details = "Required scope: {requiredScope}")]
    public static partial void ScopeViolation(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string endpoint, string requiredScope);

    [AuditEvent(AuditEventType.RateLimited, Success = false, Details = "Request rate limit exceeded")]
    public static partial void RateLimited(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string endpoint);

    [AuditEvent(AuditEventType.ModelLoad, Endpoint = "/api/models/load", Details = "Model: {modelId}")]
    public static partial void ModelLoad(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string modelId, bool success);

    [AuditEvent(AuditEventType.ModelUnload, Endpoint = "/api/models/unload", Details = "Model: {modelId}")]
    public static partial void ModelUnload(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string modelId, bool success);

    [AuditEvent(AuditEventType.KeyCreated, Endpoint = "/api/keys", Details = "Created key: {newKeyPrefix}...")]
    public static partial void KeyCreated(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? adminKey, string newKeyPrefix);

    [AuditEvent(AuditEventType.KeyRevoked, Endpoint = "/api/keys", Details = "Revoked key: {revokedKeyPrefix}...")]
    public static partial void KeyRevoked(AuditLogger audit, ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? adminKey, string revokedKeyPrefix);
}
