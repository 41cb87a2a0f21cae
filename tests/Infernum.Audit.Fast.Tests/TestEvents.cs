using System;
using System.Net;

namespace Infernum.Audit.Fast.Tests;

/// <summary>An enum written by its snake_case name.</summary>
public enum ModelTier
{
    Free,
    ProTier,
    EnterpriseGold,
}

/// <summary>User events compiled into the test assembly by the generator: every supported type, both method forms.</summary>
internal static partial class TestEvents
{
    /// <summary>Fail-closed form: returns whether the event was accepted.</summary>
    [AuditEvent("api_request", Endpoint = "/v1/chat/completions")]
    public static partial bool ApiRequest(AuditLogger audit, string requestId, string? clientIp, [AuditKey] string key);

    [AuditEvent("token_refreshed", Endpoint = "/api/tokens", Details = "Refreshed for {userId}")]
    public static partial void TokenRefreshed(AuditLogger audit, string requestId, string? clientIp, string userId);

    [AuditEvent("quota_exceeded", Endpoint = "/v1/chat/completions", Success = false, Details = "Used {used} of {limit} tokens")]
    public static partial void QuotaExceeded(AuditLogger audit, string requestId, int used, long limit, ModelTier tier);

    /// <summary>The benchmark's user event: six typed fields.</summary>
    [AuditEvent("inference_completed", Endpoint = "/v1/chat/completions")]
    public static partial void InferenceCompleted(AuditLogger audit, string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier);

    [AuditEvent("all_integers", Endpoint = "/x")]
    public static partial void AllIntegers(AuditLogger audit, string requestId, sbyte i8, byte u8, short i16, ushort u16, int i32, uint u32, long i64, ulong u64);

    [AuditEvent("floating_point", Endpoint = "/x")]
    public static partial void FloatingPoint(AuditLogger audit, string requestId, float single, double ratio, decimal price);

    [AuditEvent("times", Endpoint = "/x")]
    public static partial void Times(AuditLogger audit, string requestId, DateTime at, DateTimeOffset localAt, TimeSpan elapsed, Guid traceId);

    [AuditEvent("texts", Endpoint = "/x")]
    public static partial void Texts(AuditLogger audit, string requestId, ReadOnlySpan<char> chars, ReadOnlySpan<byte> utf8, char grade);

    [AuditEvent("network", Endpoint = "/x")]
    public static partial void Network(AuditLogger audit, string requestId, IPAddress peer, IPAddress? proxy, Version clientVersion);

    /// <summary>A server's client address as ASP.NET Core gives it (<c>HttpContext.Connection.RemoteIpAddress</c>).</summary>
    [AuditEvent("client_address", Endpoint = "/x", Details = "from {peer}")]
    public static partial void ClientAddress(AuditLogger audit, string requestId, IPAddress? clientIp, IPAddress peer);

    [AuditEvent("client_address_required", Endpoint = "/x")]
    public static partial bool ClientAddressRequired(AuditLogger audit, string requestId, IPAddress clientIp, [AuditKey] string key);

    /// <summary>The client's address named in the template: LogClientIp governs it there too.</summary>
    [AuditEvent("client_in_details", Endpoint = "/x", Details = "from {clientIp}")]
    public static partial void ClientInDetails(AuditLogger audit, string requestId, IPAddress? clientIp);

    [AuditEvent("nullables", Endpoint = "/x")]
    public static partial void Nullables(AuditLogger audit, string requestId, int? count, long? total, Guid? session, double? score, bool? flag, DateTime? when, ModelTier? tier, string? note);

    [AuditEvent("more_nullables", Endpoint = "/x")]
    public static partial void MoreNullables(AuditLogger audit, string requestId, char? grade, sbyte? i8, byte? u8, short? i16, ushort? u16, uint? u32, ulong? u64, float? single, decimal? price, DateTimeOffset? at, TimeSpan? elapsed, Version? version);

    [AuditEvent("secrets", Endpoint = "/api/keys")]
    public static partial void Secrets(AuditLogger audit, string requestId, [AuditKey] string apiKey, [AuditRedact] string email, [AuditRedact(Name = "card")] string? cardNumber);

    [AuditEvent("renamed", Endpoint = "/x")]
    public static partial void Renamed(AuditLogger audit, string requestId, [AuditField("http_status")] int status);

    [AuditEvent("template_types", Endpoint = "/x", Details = "{count} items at {price} on {when} ({tier}, {ok}) {{literal}} {maybe}")]
    public static partial void TemplateTypes(AuditLogger audit, string requestId, int count, decimal price, DateTime when, ModelTier tier, bool ok, int? maybe);

    [AuditEvent("outcome")]
    public static partial void Outcome(AuditLogger audit, string requestId, string endpoint, bool success, string? details);

    [AuditEvent("escapes_in_constants", Endpoint = "/a\"b\\c", Details = "tab\there \u2028 \"quoted\"")]
    public static partial void EscapesInConstants(AuditLogger audit, string requestId);
}

/// <summary>Instance form: the logger is a primary-constructor parameter.</summary>
internal sealed partial class TenantAudit(AuditLogger audit)
{
    public AuditLogger Logger => audit;

    [AuditEvent("tenant_switched", Endpoint = "/api/tenants")]
    public partial void TenantSwitched(string requestId, string tenant);
}

/// <summary>Instance form: the logger is a field.</summary>
internal sealed partial class ModelAudit
{
    private readonly AuditLogger _audit;

    public ModelAudit(AuditLogger audit) => _audit = audit;

    [AuditEvent("model_evicted", Endpoint = "/api/models/unload")]
    public partial bool ModelEvicted(string requestId, string modelId, long freedBytes);
}

/// <summary>Instance form: the logger is a property.</summary>
internal sealed partial class PropertyAudit
{
    public PropertyAudit(AuditLogger audit) => Audit = audit;

    public AuditLogger Audit { get; }

    [AuditEvent("property_form", Endpoint = "/x")]
    internal partial void PropertyForm(string requestId, ushort port);
}

/// <summary>A value whose formatting logs another audit event: the re-entrancy case.</summary>
internal readonly struct LoggingValue(AuditLogger audit) : IUtf8SpanFormattable
{
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        audit.AuthSuccess("inner", null, "k", "/inner");
        bytesWritten = 0;
        return "value"u8.TryCopyTo(utf8Destination) && (bytesWritten = 5) == 5;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => "value";
}

/// <summary>A value whose formatting disposes the logger it is logged to: the re-entrant dispose case.</summary>
internal readonly struct DisposingValue(AuditLogger audit) : IUtf8SpanFormattable
{
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        audit.Dispose();
        bytesWritten = 0;
        return "value"u8.TryCopyTo(utf8Destination) && (bytesWritten = 5) == 5;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => "value";
}

/// <summary>A value whose text is <c>length</c> letters: the formattable size limit's case.</summary>
internal readonly struct SizedValue(int length) : IUtf8SpanFormattable
{
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        bytesWritten = 0;
        if (utf8Destination.Length < length)
        {
            return false;
        }

        utf8Destination.Slice(0, length).Fill((byte)'a');
        bytesWritten = length;
        return true;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => new('a', length);
}

/// <summary>Events for the staging tests.</summary>
internal static partial class StageEvents
{
    [AuditEvent("formatted", Endpoint = "/x")]
    public static partial void Formatted(AuditLogger audit, string requestId, LoggingValue value);

    [AuditEvent("sized", Endpoint = "/x")]
    public static partial void Sized(AuditLogger audit, string requestId, SizedValue value);

    [AuditEvent("disposing", Endpoint = "/x")]
    public static partial bool Disposing(AuditLogger audit, string requestId, DisposingValue value);

    [AuditEvent("sized_checked", Endpoint = "/x")]
    public static partial bool SizedChecked(AuditLogger audit, string requestId, SizedValue value);

    [AuditEvent("sized_checked_plain", Endpoint = "/x")]
    public static partial bool SizedCheckedPlain(AuditLogger audit, string requestId, int count);
}
