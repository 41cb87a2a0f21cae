using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.RateLimiting;
using Infernum.Audit.Fast;
using Infernum.Audit.Fast.AspNetCore;
using Infernum.Audit.Fast.Gateway;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Formatting.Compact;

// A minimal OpenAI-compatible gateway behind the API-key scheme, scopes and a rate limiter, audited by
// Infernum.Audit.Fast (or by Serilog's file sink, or not at all, for comparison). On stop it checks that the audit
// file holds exactly one line per event that the finished requests must have written.
//
//   dotnet run -c Release --project samples/Infernum.Audit.Fast.Gateway -- --mode infernum|serilog|off --urls http://127.0.0.1:5080 [--file audit.jsonl]
string mode = Argument(args, "--mode") ?? "infernum";
if (mode is not ("infernum" or "serilog" or "off"))
{
    Console.Error.WriteLine("--mode must be infernum, serilog or off");
    return 2;
}

string auditFile = Path.GetFullPath(Argument(args, "--file") ?? Path.Combine("logs", mode + "-audit.jsonl"));
if (mode != "off" && File.Exists(auditFile))
{
    File.Delete(auditFile);
}

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"), o =>
{
    o.Enabled = mode == "infernum";
    o.FilePath = auditFile;
});
builder.Services.AddInfernumAuditHttp();
builder.Services.AddSingleton<GatewayKeys>();
builder.Services.AddSingleton<OutcomeCounter>();
Serilog.Core.Logger? serilog = null;
if (mode == "serilog")
{
    serilog = new LoggerConfiguration().WriteTo.File(new CompactJsonFormatter(), auditFile, buffered: true).CreateLogger();
    builder.Services.AddSingleton(new SerilogAudit(serilog));
    builder.Services.AddHttpContextAccessor();
    builder.Services.AddSingleton<IApiKeyStore, SerilogAudit.Store>();
    builder.Services.RemoveAll<IAuthorizationMiddlewareResultHandler>();
    builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, SerilogAudit.AuthorizationResults>();
}
else
{
    builder.Services.AddSingleton<IApiKeyStore>(provider => provider.GetRequiredService<GatewayKeys>());
}

builder.Services.AddAuthentication(ApiKeyAuthenticationDefaults.AuthenticationScheme).AddApiKey<GatewayKeys>();
builder.Services.AddAuthorization(o =>
{
    o.AddPolicy("chat", p => p.RequireScope("chat"));
    o.AddPolicy("admin", p => p.RequireScope("admin"));
});
builder.Services.AddRateLimiter(o =>
{
    o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    // Per key: ample for every key but the "limited" one, which gets 10 requests a second.
    o.AddPolicy("per-key", context => RateLimitPartition.GetFixedWindowLimiter(
        context.User.Identity?.Name ?? "anonymous",
        name => new FixedWindowRateLimiterOptions { PermitLimit = name == "limited" ? 10 : 1_000_000, Window = TimeSpan.FromSeconds(1), QueueLimit = 0 }));
    if (mode == "infernum")
    {
        o.AuditRejections();
    }
    else if (mode == "serilog")
    {
        o.OnRejected = (context, _) =>
        {
            HttpContext http = context.HttpContext;
            http.RequestServices.GetRequiredService<SerilogAudit>().Write(http, "rate_limited", SerilogAudit.Key(http), http.Request.Path.Value ?? "/", false, "Request rate limit exceeded");
            return default;
        };
    }
});

WebApplication app = builder.Build();
OutcomeCounter counter = app.Services.GetRequiredService<OutcomeCounter>();
app.Use(async (context, next) =>
{
    await next(context);
    counter.Count(context);
});
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapPost("/v1/chat/completions", () => Results.Text(
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764460800,\"model\":\"llama-3-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello!\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}",
    "application/json")).RequireAuthorization("chat").RequireRateLimiting("per-key");
app.MapGet("/v1/models", () => Results.Text(
    "{\"object\":\"list\",\"data\":[{\"id\":\"llama-3-8b\",\"object\":\"model\",\"owned_by\":\"infernum\"}]}",
    "application/json")).RequireAuthorization("chat").RequireRateLimiting("per-key");
app.MapPost("/api/models/load", (HttpContext context) => Admin(context, "model_load", "llama-3-8b")).RequireAuthorization("admin");
app.MapPost("/api/models/unload", (HttpContext context) => Admin(context, "model_unload", "llama-3-8b")).RequireAuthorization("admin");
app.MapPost("/api/keys", (HttpContext context) => Admin(context, "key_created", "sk-inf-n")).RequireAuthorization("admin");
app.MapDelete("/api/keys", (HttpContext context) => Admin(context, "key_revoked", "sk-inf-o")).RequireAuthorization("admin");

await app.RunAsync();
serilog?.Dispose();
Console.WriteLine("FINISHED " + counter.Statuses());
return mode == "off" ? 0 : Check(auditFile, counter.Snapshot());

IResult Admin(HttpContext context, string eventType, string subject)
{
    if (mode == "infernum")
    {
        switch (eventType)
        {
            case "model_load": context.AuditModelLoad(subject, true); break;
            case "model_unload": context.AuditModelUnload(subject, true); break;
            case "key_created": context.AuditKeyCreated(subject); break;
            default: context.AuditKeyRevoked(subject); break;
        }
    }
    else if (mode == "serilog")
    {
        string details = eventType is "model_load" or "model_unload" ? "Model: " + subject : (eventType == "key_created" ? "Created key: " : "Revoked key: ") + subject + "...";
        context.RequestServices.GetRequiredService<SerilogAudit>().Write(context, eventType, SerilogAudit.Key(context), context.Request.Path.Value ?? "/", true, details);
    }

    return Results.Text("{\"ok\":true}", "application/json");
}

static int Check(string path, IReadOnlyDictionary<string, long> expected)
{
    var found = OutcomeCounter.Events.ToDictionary(e => e, _ => 0L);
    long other = 0;
    foreach (string line in File.Exists(path) ? File.ReadLines(path) : [])
    {
        using JsonDocument document = JsonDocument.Parse(line);
        string? type = document.RootElement.TryGetProperty("event_type", out JsonElement value) ? value.GetString() : null;
        if (type is not null && found.ContainsKey(type))
        {
            found[type]++;
        }
        else
        {
            other++;
        }
    }

    bool ok = other == 0;
    Console.WriteLine($"audit file {path}: event, lines, requests that must have written one");
    foreach (string type in OutcomeCounter.Events)
    {
        bool same = found[type] == expected[type];
        ok &= same;
        Console.WriteLine($"  {type,-16} {found[type],10} {expected[type],10} {(same ? "ok" : "MISMATCH")}");
    }

    Console.WriteLine(other == 0 ? "  no other lines" : $"  {other} other lines (drop records or foreign lines): MISMATCH");
    Console.WriteLine(ok ? "CHECK ok" : "CHECK FAILED");
    return ok ? 0 : 1;
}

static string? Argument(string[] args, string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
