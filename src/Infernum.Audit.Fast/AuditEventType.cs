namespace Infernum.Audit.Fast;

/// <summary>The built-in audit events, as in infernum-server's audit module.</summary>
/// <remarks>The wire name of each (<c>auth_success</c>, …) is given by <see cref="AuditEventTypeExtensions.ToWireName"/>.</remarks>
public enum AuditEventType
{
    /// <summary>Successful authentication (<c>auth_success</c>).</summary>
    AuthSuccess,

    /// <summary>Failed authentication, for example an invalid key (<c>auth_failure</c>).</summary>
    AuthFailure,

    /// <summary>The key has expired (<c>auth_expired</c>).</summary>
    AuthExpired,

    /// <summary>The key is disabled (<c>auth_disabled</c>).</summary>
    AuthDisabled,

    /// <summary>The key lacks a required scope (<c>scope_violation</c>).</summary>
    ScopeViolation,

    /// <summary>The request was rate limited (<c>rate_limited</c>).</summary>
    RateLimited,

    /// <summary>A model was loaded, an admin action (<c>model_load</c>).</summary>
    ModelLoad,

    /// <summary>A model was unloaded, an admin action (<c>model_unload</c>).</summary>
    ModelUnload,

    /// <summary>A new API key was created (<c>key_created</c>).</summary>
    KeyCreated,

    /// <summary>An API key was revoked (<c>key_revoked</c>).</summary>
    KeyRevoked,
}
