using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Infernum.Audit.Fast.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Infernum.Audit.Fast.AspNetCore.Tests;

/// <summary>A small gateway on the in-process test server: API keys, scopes, a rate limit, admin actions, all audited to a file.</summary>
internal sealed class TestApp : IAsyncDisposable
{
    public const string ValidKey = "sk-inf-valid-0123456789abcdef";
    public const string AdminKey = "sk-adm-admin-0123456789abcdef";
    public const string ExpiredKey = "sk-inf-expired-0123456789abcd";
    public const string DisabledKey = "sk-inf-disabled-0123456789abc";
    public const string LimitedKey = "sk-lim-limited-0123456789abcd";
    public const string UnknownKey = "sk-inf-unknown-0123456789abcd";
    public const string ThrowingKey = "sk-err-throws-0123456789abcde";
    public const string FaultingKey = "sk-err-faults-0123456789abcde";

    private readonly WebApplication _app;
    private readonly string _folder;

    private TestApp(WebApplication app, string folder)
    {
        _app = app;
        _folder = folder;
        Server = app.GetTestServer();
        Audit = app.Services.GetRequiredService<AuditLogger>();
    }

    public TestServer Server { get; }

    public AuditLogger Audit { get; }

    public string AuditPath => Path.Combine(_folder, "audit.jsonl");

    /// <summary>Per-request allocation of the synchronous part of the pipeline, when it ran on one thread (else -1).</summary>
    public List<long> Allocations { get; } = new();

    public static async Task<TestApp> StartAsync(Action<InfernumAuditHttpOptions>? http = null, string? headerName = null, bool forwardedHeaders = false, bool measure = false, bool traceContext = false, bool otherScheme = false, Action<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>? afterAudit = null, Action<IServiceCollection>? services = null)
    {
        string folder = Path.Combine(Path.GetTempPath(), "infernum-aspnet-" + Guid.NewGuid().ToString("N"));
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddInfernumAudit(o =>
        {
            o.FilePath = Path.Combine(folder, "audit.jsonl");
            o.WriteSequenceNumbers = false;
            o.WriteTraceContext = traceContext;
        });
        builder.Services.AddInfernumAuditHttp(http);
        if (otherScheme)
        {
            // Another team's scheme (say, JWT bearer): the audit of scopes and rate limits must not depend on ours.
            builder.Services.AddAuthentication("Other").AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, OtherSchemeHandler>("Other", null);
        }
        else
        {
            builder.Services.AddAuthentication(ApiKeyAuthenticationDefaults.AuthenticationScheme).AddApiKey<TestKeyStore>(o => o.HeaderName = headerName);
        }
        builder.Services.AddAuthorization(o =>
        {
            o.AddPolicy("chat", p => p.RequireScope("chat"));
            o.AddPolicy("admin", p => p.RequireScope("admin"));
        });
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy("per-key", context => RateLimitPartition.GetFixedWindowLimiter(
                context.User.Identity?.Name ?? "anonymous",
                name => new FixedWindowRateLimiterOptions { PermitLimit = name == "limited" ? 1 : 1_000_000, Window = TimeSpan.FromHours(1), QueueLimit = 0 }));
            o.AddPolicy("tight", _ => RateLimitPartition.GetFixedWindowLimiter(
                "all", _ => new FixedWindowRateLimiterOptions { PermitLimit = 1, Window = TimeSpan.FromHours(1), QueueLimit = 0 }));
            o.AuditRejections();
            afterAudit?.Invoke(o);
        });
        services?.Invoke(builder.Services);

        WebApplication app = builder.Build();
        var testApp = new TestApp(app, folder);
        if (measure)
        {
            app.Use((context, next) =>
            {
                int thread = Environment.CurrentManagedThreadId;
                long before = GC.GetAllocatedBytesForCurrentThread();
                Task pending = next(context);
                long after = GC.GetAllocatedBytesForCurrentThread();
                testApp.Allocations.Add(pending.IsCompletedSuccessfully && thread == Environment.CurrentManagedThreadId ? after - before : -1);
                return pending;
            });
        }

        if (forwardedHeaders)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor };
            app.UseForwardedHeaders(forwarded);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapGet("/v1/models", () => "models").RequireAuthorization("chat").RequireRateLimiting("per-key");
        app.MapPost("/api/models/load", (HttpContext context) =>
        {
            context.AuditModelLoad("llama-3-8b", success: true);
            return "loaded";
        }).RequireAuthorization("admin");
        app.MapPost("/api/models/unload", (HttpContext context) =>
        {
            context.AuditModelUnload("llama-3-8b", success: false);
            return "unloaded";
        }).RequireAuthorization("admin");
        app.MapPost("/api/keys", (HttpContext context) =>
        {
            context.AuditKeyCreated("sk-inf-n");
            return "created";
        }).RequireAuthorization("admin");
        app.MapDelete("/api/keys", (HttpContext context) =>
        {
            context.AuditKeyRevoked("sk-inf-o");
            return "revoked";
        }).RequireAuthorization("admin");
        app.MapGet("/health", () => "ok");
        app.MapGet("/open/limited", () => "ok").RequireRateLimiting("tight");
        app.MapPost("/open/models/load", (HttpContext context) =>
        {
            context.AuditModelLoad("llama-3-8b", success: true);
            return "loaded";
        });
        app.MapPost("/api/keys/given", (HttpContext context) =>
        {
            string prefix = context.Request.Headers["X-New-Key"].ToString();
            context.AuditKeyCreated(prefix);
            context.AuditKeyRevoked(prefix);
            return "given";
        }).RequireAuthorization("admin");
        await app.StartAsync();
        return testApp;
    }

    /// <summary>Samples ASP.NET Core's request activities, so that each request has a W3C <see cref="System.Diagnostics.Activity"/>.</summary>
    public static System.Diagnostics.ActivityListener ListenToRequests()
    {
        var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>Sends one real request through the pipeline with the given connection address and trace identifier.</summary>
    public async Task<int> SendAsync(string method, string path, string? key, string requestId = "req-1", string clientIp = "10.1.2.3", string? headerName = null, Action<HttpContext>? configure = null)
    {
        HttpContext context = await Server.SendAsync(c =>
        {
            c.Request.Method = method;
            c.Request.Path = path;
            c.TraceIdentifier = requestId;
            c.Connection.RemoteIpAddress = IPAddress.Parse(clientIp);
            if (key is not null)
            {
                if (headerName is null)
                {
                    c.Request.Headers.Authorization = "Bearer " + key;
                }
                else
                {
                    c.Request.Headers[headerName] = key;
                }
            }

            configure?.Invoke(c);
        });
        return context.Response.StatusCode;
    }

    /// <summary>The audit lines written so far, each without its timestamp (checked to be one).</summary>
    public async Task<string[]> LinesAsync()
    {
        await Audit.FlushAsync();
        return File.ReadAllLines(AuditPath).Select(WithoutTimestamp).ToArray();
    }

    public static string WithoutTimestamp(string line)
    {
        const string Prefix = "{\"timestamp\":\"";
        Assert.StartsWith(Prefix, line, StringComparison.Ordinal);
        int end = line.IndexOf('"', Prefix.Length);
        Assert.True(DateTime.TryParse(line.AsSpan(Prefix.Length, end - Prefix.Length), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out _), line);
        return line.Substring(end + 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Authenticates any bearer token; its scopes are one space-separated claim, as OAuth access tokens carry them.</summary>
    private sealed class OtherSchemeHandler(
        Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        System.Text.Encodings.Web.UrlEncoder encoder)
        : Microsoft.AspNetCore.Authentication.AuthenticationHandler<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<Microsoft.AspNetCore.Authentication.AuthenticateResult> HandleAuthenticateAsync()
        {
            string? authorization = Request.Headers.Authorization;
            if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                return Task.FromResult(Microsoft.AspNetCore.Authentication.AuthenticateResult.NoResult());
            }

            string name = authorization.Contains("lim", StringComparison.Ordinal) ? "limited" : "user";
            var identity = new System.Security.Claims.ClaimsIdentity(
                new[] { new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, name), new System.Security.Claims.Claim("scope", "read chat") }, "Other");
            return Task.FromResult(Microsoft.AspNetCore.Authentication.AuthenticateResult.Success(
                new Microsoft.AspNetCore.Authentication.AuthenticationTicket(new System.Security.Claims.ClaimsPrincipal(identity), "Other")));
        }
    }

    private sealed class TestKeyStore : IApiKeyStore
    {
        private static readonly Dictionary<string, ApiKeyLookup> Keys = new(StringComparer.Ordinal)
        {
            [ValidKey] = new(ApiKeyStatus.Valid, "user", new[] { "chat" }),
            [AdminKey] = new(ApiKeyStatus.Valid, "admin", new[] { "chat", "admin" }),
            [LimitedKey] = new(ApiKeyStatus.Valid, "limited", new[] { "chat" }),
            [ExpiredKey] = new(ApiKeyStatus.Expired),
            [DisabledKey] = new(ApiKeyStatus.Disabled),
        };

        public ValueTask<ApiKeyLookup> FindAsync(string key, CancellationToken cancellationToken)
        {
            if (key == ThrowingKey)
            {
                throw new InvalidOperationException("key store unreachable (sync)");
            }

            if (key == FaultingKey)
            {
                return FaultAsync();
            }

            return new(Keys.TryGetValue(key, out ApiKeyLookup found) ? found : ApiKeyLookup.Unknown);
        }

        private static async ValueTask<ApiKeyLookup> FaultAsync()
        {
            await Task.Yield();
            throw new InvalidOperationException("key store unreachable (async)");
        }
    }
}
