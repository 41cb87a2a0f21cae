namespace Infernum.Audit.Fast.Tests;

/// <summary>User events compiled into the test assembly by the generator.</summary>
internal static partial class TestEvents
{
    /// <summary>Fail-closed form: returns whether the event was accepted.</summary>
    [AuditEvent("api_request", Endpoint = "/v1/chat/completions")]
    public static partial bool ApiRequest(AuditLogger audit, string requestId, string? clientIp, [AuditKey] string key);
}
