using System;
using System.Net;
using System.Runtime.CompilerServices;

namespace Infernum.Audit.Fast;

// The ten events of infernum-server's audit module. Their bodies are written by this project's own
// generator from these declarations: the same endpoints, details and success values as the seed.
// The string-address overloads take priority, so a call passing null for an unknown address keeps meaning what it
// always did instead of becoming ambiguous with the IPAddress overloads below.
public sealed partial class AuditLogger
{
    /// <summary>Logs a successful authentication (<c>auth_success</c>, success true).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthSuccess)]
    [OverloadResolutionPriority(1)]
    public partial void AuthSuccess(string requestId, string? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs a failed authentication (<c>auth_failure</c>, success false); the reason is the details, no key prefix is written.</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="reason">Why authentication failed, written as <c>details</c>.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthFailure, Success = false, Details = "{reason}")]
    [OverloadResolutionPriority(1)]
    public partial void AuthFailure(string requestId, string? clientIp, string reason, string endpoint);

    /// <summary>Logs an attempt with an expired key (<c>auth_expired</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthExpired, Success = false, Details = "API key has expired")]
    [OverloadResolutionPriority(1)]
    public partial void AuthExpired(string requestId, string? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs an attempt with a disabled key (<c>auth_disabled</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthDisabled, Success = false, Details = "API key is disabled")]
    [OverloadResolutionPriority(1)]
    public partial void AuthDisabled(string requestId, string? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs a key lacking a required scope (<c>scope_violation</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    /// <param name="requiredScope">The scope the key lacks.</param>
    [AuditEvent(AuditEventType.ScopeViolation, Success = false, Details = "Required scope: {requiredScope}")]
    [OverloadResolutionPriority(1)]
    public partial void ScopeViolation(string requestId, string? clientIp, [AuditKey] string key, string endpoint, string requiredScope);

    /// <summary>Logs a rate-limited request (<c>rate_limited</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key if one was given; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.RateLimited, Success = false, Details = "Request rate limit exceeded")]
    [OverloadResolutionPriority(1)]
    public partial void RateLimited(string requestId, string? clientIp, [AuditKey] string? key, string endpoint);

    /// <summary>Logs a model load, an admin action (<c>model_load</c> on <c>/api/models/load</c>).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The admin's API key; only its prefix is written.</param>
    /// <param name="modelId">The model loaded.</param>
    /// <param name="success">Whether the load succeeded.</param>
    [AuditEvent(AuditEventType.ModelLoad, Endpoint = "/api/models/load", Details = "Model: {modelId}")]
    [OverloadResolutionPriority(1)]
    public partial void ModelLoad(string requestId, string? clientIp, [AuditKey] string key, string modelId, bool success);

    /// <summary>Logs a model unload, an admin action (<c>model_unload</c> on <c>/api/models/unload</c>).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The admin's API key; only its prefix is written.</param>
    /// <param name="modelId">The model unloaded.</param>
    /// <param name="success">Whether the unload succeeded.</param>
    [AuditEvent(AuditEventType.ModelUnload, Endpoint = "/api/models/unload", Details = "Model: {modelId}")]
    [OverloadResolutionPriority(1)]
    public partial void ModelUnload(string requestId, string? clientIp, [AuditKey] string key, string modelId, bool success);

    /// <summary>Logs the creation of an API key (<c>key_created</c> on <c>/api/keys</c>, success true).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="adminKey">The admin's API key; only its prefix is written.</param>
    /// <param name="newKeyPrefix">The new key's public prefix, written in the details.</param>
    [AuditEvent(AuditEventType.KeyCreated, Endpoint = "/api/keys", Details = "Created key: {newKeyPrefix}...")]
    [OverloadResolutionPriority(1)]
    public partial void KeyCreated(string requestId, string? clientIp, [AuditKey] string adminKey, string newKeyPrefix);

    /// <summary>Logs the revocation of an API key (<c>key_revoked</c> on <c>/api/keys</c>, success true).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address, or <see langword="null"/> if unknown.</param>
    /// <param name="adminKey">The admin's API key; only its prefix is written.</param>
    /// <param name="revokedKeyPrefix">The revoked key's public prefix, written in the details.</param>
    [AuditEvent(AuditEventType.KeyRevoked, Endpoint = "/api/keys", Details = "Revoked key: {revokedKeyPrefix}...")]
    [OverloadResolutionPriority(1)]
    public partial void KeyRevoked(string requestId, string? clientIp, [AuditKey] string adminKey, string revokedKeyPrefix);

    // The same ten events taking the client address as an IPAddress: a server passes the connection's address
    // as it has it, instead of paying RemoteIpAddress.ToString() on every request.

    /// <summary>Logs a successful authentication (<c>auth_success</c>, success true).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthSuccess)]
    public partial void AuthSuccess(string requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs a failed authentication (<c>auth_failure</c>, success false); the reason is the details, no key prefix is written.</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="reason">Why authentication failed, written as <c>details</c>.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthFailure, Success = false, Details = "{reason}")]
    public partial void AuthFailure(string requestId, IPAddress? clientIp, string reason, string endpoint);

    /// <summary>Logs an attempt with an expired key (<c>auth_expired</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthExpired, Success = false, Details = "API key has expired")]
    public partial void AuthExpired(string requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs an attempt with a disabled key (<c>auth_disabled</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthDisabled, Success = false, Details = "API key is disabled")]
    public partial void AuthDisabled(string requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs a key lacking a required scope (<c>scope_violation</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    /// <param name="requiredScope">The scope the key lacks.</param>
    [AuditEvent(AuditEventType.ScopeViolation, Success = false, Details = "Required scope: {requiredScope}")]
    public partial void ScopeViolation(string requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint, string requiredScope);

    /// <summary>Logs a rate-limited request (<c>rate_limited</c>, success false).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key if one was given; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.RateLimited, Success = false, Details = "Request rate limit exceeded")]
    public partial void RateLimited(string requestId, IPAddress? clientIp, [AuditKey] string? key, string endpoint);

    /// <summary>Logs a model load, an admin action (<c>model_load</c> on <c>/api/models/load</c>).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The admin's API key; only its prefix is written.</param>
    /// <param name="modelId">The model loaded.</param>
    /// <param name="success">Whether the load succeeded.</param>
    [AuditEvent(AuditEventType.ModelLoad, Endpoint = "/api/models/load", Details = "Model: {modelId}")]
    public partial void ModelLoad(string requestId, IPAddress? clientIp, [AuditKey] string key, string modelId, bool success);

    /// <summary>Logs a model unload, an admin action (<c>model_unload</c> on <c>/api/models/unload</c>).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The admin's API key; only its prefix is written.</param>
    /// <param name="modelId">The model unloaded.</param>
    /// <param name="success">Whether the unload succeeded.</param>
    [AuditEvent(AuditEventType.ModelUnload, Endpoint = "/api/models/unload", Details = "Model: {modelId}")]
    public partial void ModelUnload(string requestId, IPAddress? clientIp, [AuditKey] string key, string modelId, bool success);

    /// <summary>Logs the creation of an API key (<c>key_created</c> on <c>/api/keys</c>, success true).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="adminKey">The admin's API key; only its prefix is written.</param>
    /// <param name="newKeyPrefix">The new key's public prefix, written in the details.</param>
    [AuditEvent(AuditEventType.KeyCreated, Endpoint = "/api/keys", Details = "Created key: {newKeyPrefix}...")]
    public partial void KeyCreated(string requestId, IPAddress? clientIp, [AuditKey] string adminKey, string newKeyPrefix);

    /// <summary>Logs the revocation of an API key (<c>key_revoked</c> on <c>/api/keys</c>, success true).</summary>
    /// <param name="requestId">The request's id, for correlation.</param>
    /// <param name="clientIp">The client's address (for example <c>HttpContext.Connection.RemoteIpAddress</c>), formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="adminKey">The admin's API key; only its prefix is written.</param>
    /// <param name="revokedKeyPrefix">The revoked key's public prefix, written in the details.</param>
    [AuditEvent(AuditEventType.KeyRevoked, Endpoint = "/api/keys", Details = "Revoked key: {revokedKeyPrefix}...")]
    public partial void KeyRevoked(string requestId, IPAddress? clientIp, [AuditKey] string adminKey, string revokedKeyPrefix);

    // The same ten events taking the request id as a char span too: a server formats a W3C trace id on the stack
    // and passes it without a string. A call with a string request id keeps binding to the overloads above (an
    // identity conversion beats the span conversion), so these add no ambiguity.

    /// <summary>Logs a successful authentication (<c>auth_success</c>, success true).</summary>
    /// <param name="requestId">The request's id as characters (for example a trace id formatted on the stack), for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthSuccess)]
    public partial void AuthSuccess(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs a failed authentication (<c>auth_failure</c>, success false); the reason is the details, no key prefix is written.</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="reason">Why authentication failed, written as <c>details</c>.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthFailure, Success = false, Details = "{reason}")]
    public partial void AuthFailure(ReadOnlySpan<char> requestId, IPAddress? clientIp, string reason, string endpoint);

    /// <summary>Logs an attempt with an expired key (<c>auth_expired</c>, success false).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthExpired, Success = false, Details = "API key has expired")]
    public partial void AuthExpired(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs an attempt with a disabled key (<c>auth_disabled</c>, success false).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.AuthDisabled, Success = false, Details = "API key is disabled")]
    public partial void AuthDisabled(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string key, string endpoint);

    /// <summary>Logs a request lacking a required scope (<c>scope_violation</c>, success false).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key, or <see langword="null"/> when the request was authenticated without one (<c>key_prefix</c> is then null); only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    /// <param name="requiredScope">The scope the caller lacks.</param>
    [AuditEvent(AuditEventType.ScopeViolation, Success = false, Details = "Required scope: {requiredScope}")]
    public partial void ScopeViolation(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string endpoint, string requiredScope);

    /// <summary>Logs a rate-limited request (<c>rate_limited</c>, success false).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The API key if one authenticated, or <see langword="null"/>; only its prefix is written.</param>
    /// <param name="endpoint">The endpoint requested.</param>
    [AuditEvent(AuditEventType.RateLimited, Success = false, Details = "Request rate limit exceeded")]
    public partial void RateLimited(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string endpoint);

    /// <summary>Logs a model load, an admin action (<c>model_load</c> on <c>/api/models/load</c>).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The admin's API key, or <see langword="null"/> if none authenticated; only its prefix is written.</param>
    /// <param name="modelId">The model loaded.</param>
    /// <param name="success">Whether the load succeeded.</param>
    [AuditEvent(AuditEventType.ModelLoad, Endpoint = "/api/models/load", Details = "Model: {modelId}")]
    public partial void ModelLoad(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string modelId, bool success);

    /// <summary>Logs a model unload, an admin action (<c>model_unload</c> on <c>/api/models/unload</c>).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="key">The admin's API key, or <see langword="null"/> if none authenticated; only its prefix is written.</param>
    /// <param name="modelId">The model unloaded.</param>
    /// <param name="success">Whether the unload succeeded.</param>
    [AuditEvent(AuditEventType.ModelUnload, Endpoint = "/api/models/unload", Details = "Model: {modelId}")]
    public partial void ModelUnload(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? key, string modelId, bool success);

    /// <summary>Logs the creation of an API key (<c>key_created</c> on <c>/api/keys</c>, success true).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="adminKey">The admin's API key, or <see langword="null"/> if none authenticated; only its prefix is written.</param>
    /// <param name="newKeyPrefix">The new key's public prefix, written in the details.</param>
    [AuditEvent(AuditEventType.KeyCreated, Endpoint = "/api/keys", Details = "Created key: {newKeyPrefix}...")]
    public partial void KeyCreated(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? adminKey, string newKeyPrefix);

    /// <summary>Logs the revocation of an API key (<c>key_revoked</c> on <c>/api/keys</c>, success true).</summary>
    /// <param name="requestId">The request's id as characters, for correlation.</param>
    /// <param name="clientIp">The client's address, formatted straight into the line without a string, or <see langword="null"/> if unknown.</param>
    /// <param name="adminKey">The admin's API key, or <see langword="null"/> if none authenticated; only its prefix is written.</param>
    /// <param name="revokedKeyPrefix">The revoked key's public prefix, written in the details.</param>
    [AuditEvent(AuditEventType.KeyRevoked, Endpoint = "/api/keys", Details = "Revoked key: {revokedKeyPrefix}...")]
    public partial void KeyRevoked(ReadOnlySpan<char> requestId, IPAddress? clientIp, [AuditKey] string? adminKey, string revokedKeyPrefix);
}
