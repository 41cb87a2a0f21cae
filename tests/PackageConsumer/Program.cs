using Infernum.Audit.Fast;

await using (var audit = new AuditLogger(AuditSink.ToFile(args[0]), new AuditOptions(), new AuditDeliveryOptions { WriteSequenceNumbers = false }))
{
    ConsumerEvents.TokenRefreshed(audit, "req-1", "10.0.0.1", "user-42", 3);
}

Console.WriteLine(File.ReadAllText(args[0]).TrimEnd());

internal static partial class ConsumerEvents
{
    [AuditEvent("token_refreshed", Endpoint = "/api/tokens", Details = "Refreshed for {userId}")]
    public static partial void TokenRefreshed(AuditLogger audit, string requestId, string? clientIp, string userId, int attempt);
}
