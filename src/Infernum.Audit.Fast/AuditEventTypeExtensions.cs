using System;

namespace Infernum.Audit.Fast;

/// <summary>Wire names of <see cref="AuditEventType"/> values.</summary>
public static class AuditEventTypeExtensions
{
    /// <summary>The name written as <c>event_type</c>, for example <c>auth_success</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eventType"/> is not a defined value.</exception>
    public static string ToWireName(this AuditEventType eventType) => eventType switch
    {
        AuditEventType.AuthSuccess => "auth_success",
        AuditEventType.AuthFailure => "auth_failure",
        AuditEventType.AuthExpired => "auth_expired",
        AuditEventType.AuthDisabled => "auth_disabled",
        AuditEventType.ScopeViolation => "scope_violation",
        AuditEventType.RateLimited => "rate_limited",
        AuditEventType.ModelLoad => "model_load",
        AuditEventType.ModelUnload => "model_unload",
        AuditEventType.KeyCreated => "key_created",
        AuditEventType.KeyRevoked => "key_revoked",
        _ => throw new ArgumentOutOfRangeException(nameof(eventType), eventType, "Not a defined audit event type."),
    };
}
