using System.Collections.Generic;
using System.Threading;
using Microsoft.AspNetCore.Http;

namespace Infernum.Audit.Fast.Gateway;

/// <summary>
/// Counts finished requests by the event types they must have written, so that the audit file can be checked line
/// for line after a run. The load script tags each request with <c>x-case</c> (what it sends); the status says what
/// happened to it (a limited key's request passes or is rejected by the window).
/// </summary>
internal sealed class OutcomeCounter
{
    private readonly long[] _counts = new long[Events.Length];
    private readonly long[] _statuses = new long[600];

    public static readonly string[] Events =
    [
        "auth_success", "auth_failure", "auth_expired", "auth_disabled", "scope_violation", "rate_limited", "model_load", "model_unload", "key_created", "key_revoked",
    ];

    public void Count(HttpContext context)
    {
        string? tag = context.Request.Headers["x-case"];
        int status = context.Response.StatusCode;
        if ((uint)status < (uint)_statuses.Length)
        {
            Interlocked.Increment(ref _statuses[status]);
        }

        switch (tag)
        {
            case "valid" or "models" when status == 200:
                Add(0);
                break;
            case "invalid" or "missing" when status == 401:
                Add(1);
                break;
            case "expired" when status == 401:
                Add(2);
                break;
            case "disabled" when status == 401:
                Add(3);
                break;
            case "scope" when status == 403:
                Add(0);
                Add(4);
                break;
            case "limited" when status == 429:
                Add(0);
                Add(5);
                break;
            case "limited" when status == 200:
                Add(0);
                break;
            case "admin" when status == 200:
                Add(0);
                Add(6);
                break;
            default:
                break;
        }
    }

    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var snapshot = new Dictionary<string, long>();
        for (int i = 0; i < Events.Length; i++)
        {
            snapshot[Events[i]] = Volatile.Read(ref _counts[i]);
        }

        return snapshot;
    }

    /// <summary>Finished requests by status, as <c>200:N 401:N …</c> (the form the load script prints wrk's in).</summary>
    public string Statuses()
    {
        var parts = new List<string>();
        for (int status = 0; status < _statuses.Length; status++)
        {
            long count = Volatile.Read(ref _statuses[status]);
            if (count > 0)
            {
                parts.Add(status + ":" + count);
            }
        }

        return string.Join(" ", parts);
    }

    private void Add(int index) => Interlocked.Increment(ref _counts[index]);
}
