using System;

namespace Infernum.Audit.Fast;

/// <summary>
/// Marks a <see langword="partial"/> method whose body the Infernum.Audit.Fast generator writes: a call
/// writes one audit line (a JSON object and <c>\n</c>) to an <see cref="AuditLogger"/>.
/// </summary>
/// <remarks>
/// Parameters bind to the line's fields by name: <c>requestId</c> → <c>request_id</c>, <c>clientIp</c> →
/// <c>client_ip</c>, <c>endpoint</c> → <c>endpoint</c>, <c>success</c> → <c>success</c>, <c>details</c> →
/// <c>details</c>; a parameter marked <see cref="AuditKeyAttribute"/> gives <c>key_prefix</c>. A parameter
/// named in <see cref="Details"/> is written only inside that text. See docs/events.md.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AuditEventAttribute : Attribute
{
    /// <summary>An event named <paramref name="eventName"/> (lowercase snake_case, for example <c>token_refreshed</c>).</summary>
    public AuditEventAttribute(string eventName) => EventName = eventName;

    /// <summary>One of the built-in events; its wire name is <see cref="AuditEventTypeExtensions.ToWireName"/>.</summary>
    public AuditEventAttribute(AuditEventType eventType) => EventName = eventType.ToWireName();

    /// <summary>The <c>event_type</c> written.</summary>
    public string EventName { get; }

    /// <summary>A fixed <c>endpoint</c>, used when the method has no <c>endpoint</c> parameter.</summary>
    public string? Endpoint { get; set; }

    /// <summary>
    /// The <c>details</c> text: fixed text with <c>{parameter}</c> holes (<c>{{</c> and <c>}}</c> for braces),
    /// parsed at compile time.
    /// </summary>
    public string? Details { get; set; }

    /// <summary>The fixed <c>success</c> value, used when the method has no <c>success</c> parameter. Default <see langword="true"/>.</summary>
    public bool Success { get; set; } = true;
}
