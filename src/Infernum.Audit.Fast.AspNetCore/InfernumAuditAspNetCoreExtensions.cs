using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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
        AddRejectionAudit(services);
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
        AddRejectionAudit(builder.Services);
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
    /// <see cref="RateLimiterOptions.OnRejected"/>, once per rejection. An <c>OnRejected</c> set before this call runs
    /// after the line; one set after it (on the returned options, later in the same <c>AddRateLimiter</c> callback, or
    /// in a later <c>Configure</c>) is wrapped again when the options are built, provided <c>AddInfernumAuditHttp</c>
    /// or <c>AddApiKey</c> registered the package's <c>IPostConfigureOptions&lt;RateLimiterOptions&gt;</c>, and also
    /// runs after the line. A handler that calls the one it replaced does not make a second line. The
    /// <see cref="AuditLogger"/> is the request's registered one.
    /// </summary>
    /// <param name="options">The rate limiter's options.</param>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public static RateLimiterOptions AuditRejections(this RateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RejectionAudit state = AuditedOptions.GetValue(options, static _ => new RejectionAudit());
        state.Wrap(options);
        return options;
    }

    // The options AuditRejections was called on, and the one wrapper of each that writes the line.
    private static readonly ConditionalWeakTable<RateLimiterOptions, RejectionAudit> AuditedOptions = new();

    /// <summary>Wraps whatever <c>OnRejected</c> is finally set on options that asked for rejections to be audited.</summary>
    private sealed class RejectionAuditPostConfigure : IPostConfigureOptions<RateLimiterOptions>
    {
        public void PostConfigure(string? name, RateLimiterOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            if (AuditedOptions.TryGetValue(options, out RejectionAudit? state))
            {
                state.Wrap(options);
            }
        }
    }

    private sealed class RejectionAudit
    {
        private Func<OnRejectedContext, CancellationToken, ValueTask>? _current;
        private int _generation;

        /// <summary>Wraps the options' handler unless it is already the current wrapper; older wrappers fall silent, so one line is written.</summary>
        public void Wrap(RateLimiterOptions options)
        {
            Func<OnRejectedContext, CancellationToken, ValueTask>? handler = options.OnRejected;
            if (handler is not null && ReferenceEquals(handler, _current))
            {
                return;
            }

            int generation = ++_generation;
            _current = (context, cancellationToken) =>
            {
                if (Volatile.Read(ref _generation) == generation)
                {
                    WriteRateLimited(context.HttpContext);
                }

                return handler is null ? ValueTask.CompletedTask : handler(context, cancellationToken);
            };
            options.OnRejected = _current;
        }
    }

    private static void AddRejectionAudit(IServiceCollection services)
        => services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<RateLimiterOptions>, RejectionAuditPostConfigure>());

    private static void WriteRateLimited(Microsoft.AspNetCore.Http.HttpContext context)
    {
        Span<char> scratch = stackalloc char[HttpAudit.TraceIdChars];
        if (HttpAudit.TryFields(context, scratch, out AuditLogger audit, out ReadOnlySpan<char> requestId, out System.Net.IPAddress? clientIp, out string? key))
        {
            audit.RateLimited(requestId, clientIp, key, HttpAudit.Endpoint(context));
        }
    }
}
