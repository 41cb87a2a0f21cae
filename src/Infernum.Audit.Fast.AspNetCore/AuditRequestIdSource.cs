namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>What the <c>request_id</c> of a request's audit lines is.</summary>
public enum AuditRequestIdSource
{
    /// <summary>
    /// <c>HttpContext.TraceIdentifier</c> (the default). Kestrel makes that string on its first read, which ASP.NET
    /// Core's own request logging does whenever logging is on.
    /// </summary>
    TraceIdentifier,

    /// <summary>
    /// The W3C trace id of <c>Activity.Current</c> (32 lowercase hex digits, W3C Trace Context section 3.2.2.3), formatted
    /// on the stack: lines join the request's OpenTelemetry trace. <c>TraceIdentifier</c> when there is no activity.
    /// </summary>
    W3CTraceId,
}
