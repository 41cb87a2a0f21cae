using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast;
using Infernum.Audit.Fast.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Wires Infernum.Audit.Fast into ASP.NET Core's authentication, authorization and rate limiting.</summary>
public static class InfernumAuditAspNetCoreExtensions
{
    /// <summary>
    /// Audits the authorization middleware's decisions (<c>scope_violation</c> for every request forbidden on a
    /// <see cref="ScopeRequirement"/>, any scheme) and sets how request fields are written. Needs an
    /// <see cref="AuditLogger"/> in the services (<c>AddInfernumAudit</c>). Replaces the registered
    /// <see cref="IAuthorizationMiddlewareResultHandler"/> with one that audits and then answers as the framework does.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">How request fields are written; null for the defaults.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddInfernumAuditHttp(this IServiceCollection services, Action<InfernumAuditHttpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<InfernumAuditHttpOptions> options = services.AddOptions<InfernumAuditHttpOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.RemoveAll<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler>(
            provider => new AuditingAuthorizationResultHandler(provider.GetRequiredService<AuditLogger>()));
        return services;
    }

    /// <summary>
    /// Adds the API-key scheme (<see cref="ApiKeyAuthenticationDefaults.AuthenticationScheme"/>) with
    /// <typeparamref name="TStore"/> as the key store (a singleton), auditing every outcome.
    /// </summary>
    /// <typeparam name="TStore">The application's key store.</typeparam>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configure">The scheme's options; null for <c>Authorization: Bearer</c>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static AuthenticationBuilder AddApiKey<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this AuthenticationBuilder builder, Action<ApiKeyAuthenticationOptions>? configure = null)
        where TStore : class, IApiKeyStore
        => builder.AddApiKey<TStore>(ApiKeyAuthenticationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds the API-key scheme under <paramref name="scheme"/> with <typeparamref name="TStore"/> as the key store (a singleton).</summary>
    /// <typeparam name="TStore">The application's key store.</typeparam>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="scheme">The scheme's name.</param>
    /// <param name="configure">The scheme's options; null for <c>Authorization: Bearer</c>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static AuthenticationBuilder AddApiKey<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this AuthenticationBuilder builder, string scheme, Action<ApiKeyAuthenticationOptions>? configure)
        where TStore : class, IApiKeyStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IApiKeyStore, TStore>();
        builder.Services.AddOptions<InfernumAuditHttpOptions>();
        return builder.AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(scheme, configure);
    }

    /// <summary>Requires <paramref name="scope"/> (a <see cref="ScopeRequirement"/>): a request without it is forbidden and audited as <c>scope_violation</c>.</summary>
    /// <param name="builder">The policy builder.</param>
    /// <param name="scope">The scope.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="scope"/> is empty or holds a space.</exception>
    public static AuthorizationPolicyBuilder RequireScope(this AuthorizationPolicyBuilder builder, string scope)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddRequirements(new ScopeRequirement(scope));
    }

    /// <summary>
    /// Writes <c>rate_limited</c> for every request the rate limiter rejects, through
    /// <see cref="RateLimiterOptions.OnRejected"/>; an <c>OnRejected</c> set before (or after, through this method's
    /// result) still runs after the line is written. The <see cref="AuditLogger"/> is the request's registered one.
    /// </summary>
    /// <param name="options">The rate limiter's options.</param>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public static RateLimiterOptions AuditRejections(this RateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Func<OnRejectedContext, CancellationToken, ValueTask>? previous = options.OnRejected;
        options.OnRejected = (context, cancellationToken) =>
        {
            WriteRateLimited(context.HttpContext);
            return previous is null ? ValueTask.CompletedTask : previous(context, cancellationToken);
        };
        return options;
    }

    private static void WriteRateLimited(Microsoft.AspNetCore.Http.HttpContext context)
    {
        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        if (HttpAudit.TryFields(context, scratch, out AuditLogger audit, out ReadOnlySpan<char> requestId, out System.Net.IPAddress? clientIp, out string? key))
        {
            audit.RateLimited(requestId, clientIp, key, HttpAudit.Endpoint(context));
        }
    }
}
