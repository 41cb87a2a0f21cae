using System;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// Authenticates a request by its API key (<c>Authorization: Bearer</c> or <see cref="ApiKeyAuthenticationOptions.HeaderName"/>),
/// looked up in the application's <see cref="IApiKeyStore"/>, and writes the seed's line for each outcome:
/// <c>auth_success</c>, <c>auth_failure</c> (<c>invalid_key</c>; <c>missing_key</c> when a protected endpoint is
/// challenged without a key; <c>malformed_key</c> for a key header sent more than once; <c>store_error</c> when the
/// store throws, synchronously or not, after which the store's exception propagates unchanged), <c>auth_expired</c>,
/// <c>auth_disabled</c>. Exactly one of these lines per request that presents a key. Only the key's prefix is written,
/// and only on the lines of a key the store knows.
/// </summary>
public sealed class ApiKeyAuthenticationHandler : AuthenticationHandler<ApiKeyAuthenticationOptions>
{
    // Failure results are shared: a failing request allocates no exception of its own.
    private static readonly AuthenticateResult InvalidKey = AuthenticateResult.Fail("The API key is not valid.");
    private static readonly AuthenticateResult ExpiredKey = AuthenticateResult.Fail("The API key has expired.");
    private static readonly AuthenticateResult DisabledKey = AuthenticateResult.Fail("The API key is disabled.");
    private static readonly AuthenticateResult MalformedKey = AuthenticateResult.Fail("The API key header was sent more than once.");

    private readonly IApiKeyStore _store;
    private readonly AuditLogger _audit;
    private readonly InfernumAuditHttpOptions _http;
    private bool _keyPresented;

    /// <summary>Creates the handler (per request, by the authentication service).</summary>
    /// <param name="options">The scheme's options.</param>
    /// <param name="logger">The logger factory.</param>
    /// <param name="encoder">The URL encoder.</param>
    /// <param name="store">The application's key store.</param>
    /// <param name="audit">The audit logger.</param>
    /// <param name="http">How request fields are written.</param>
    public ApiKeyAuthenticationHandler(
        IOptionsMonitor<ApiKeyAuthenticationOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IApiKeyStore store,
        AuditLogger audit,
        IOptions<InfernumAuditHttpOptions> http)
        : base(options, logger, encoder)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(http);
        _store = store;
        _audit = audit;
        _http = http.Value;
    }

    /// <inheritdoc/>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        KeyPresence presence = HttpAudit.ReadKey(Request, Options.HeaderName, out string? key);
        if (presence == KeyPresence.Absent)
        {
            return AuthenticateResult.NoResult();
        }

        _keyPresented = true;
        if (presence == KeyPresence.Malformed)
        {
            WriteFailure(ApiKeyAuthenticationDefaults.MalformedKeyReason);
            return MalformedKey;
        }

        ApiKeyLookup found;
        try
        {
            found = await _store.FindAsync(key!, Context.RequestAborted).ConfigureAwait(false);
        }
        catch
        {
            // One line for every request that presents a key, even when the store fails; then the store's own
            // exception goes on to the caller, as it would without auditing.
            WriteFailure(ApiKeyAuthenticationDefaults.StoreErrorReason);
            throw;
        }

        return Audit(found, key!);
    }

    /// <inheritdoc/>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!_keyPresented && _audit.Options.Enabled)
        {
            WriteFailure(ApiKeyAuthenticationDefaults.MissingKeyReason);
        }

        Response.StatusCode = 401;
        if (Options.HeaderName is null)
        {
            Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        }

        return Task.CompletedTask;
    }

    private void WriteFailure(string reason)
    {
        if (_audit.Options.Enabled)
        {
            Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
            _audit.AuthFailure(HttpAudit.RequestId(Context, _http.RequestId, scratch), HttpAudit.ClientIp(Context), reason, HttpAudit.Endpoint(Context));
        }
    }

    private AuthenticateResult Audit(ApiKeyLookup found, string key)
    {
        if (_audit.Options.Enabled)
        {
            Write(found.Status, key);
        }

        switch (found.Status)
        {
            case ApiKeyStatus.Valid:
                var principal = new ClaimsPrincipal(new ApiKeyIdentity(key, found.KeyId, found.Scopes, Scheme.Name));
                return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
            case ApiKeyStatus.Expired:
                return ExpiredKey;
            case ApiKeyStatus.Disabled:
                return DisabledKey;
            default:
                return InvalidKey;
        }
    }

    // Synchronous, so the span of the formatted request id never crosses an await. Skipped whole when auditing is
    // off, so that a disabled logger costs the request not even the reads of its fields.
    private void Write(ApiKeyStatus status, string key)
    {
        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        ReadOnlySpan<char> requestId = HttpAudit.RequestId(Context, _http.RequestId, scratch);
        System.Net.IPAddress? clientIp = HttpAudit.ClientIp(Context);
        string endpoint = HttpAudit.Endpoint(Context);
        switch (status)
        {
            case ApiKeyStatus.Valid:
                _audit.AuthSuccess(requestId, clientIp, key, endpoint);
                break;
            case ApiKeyStatus.Expired:
                _audit.AuthExpired(requestId, clientIp, key, endpoint);
                break;
            case ApiKeyStatus.Disabled:
                _audit.AuthDisabled(requestId, clientIp, key, endpoint);
                break;
            default:
                _audit.AuthFailure(requestId, clientIp, ApiKeyAuthenticationDefaults.InvalidKeyReason, endpoint);
                break;
        }
    }
}
