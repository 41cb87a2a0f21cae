using System;
using System.Collections.Generic;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>The ten seed events, each as a call with the same kinds of arguments, for tests that cover them all.</summary>
internal static class SeedEvents
{
    /// <summary>Calls an event with (requestId, clientIp, key, text): text is whatever the event's other string is.</summary>
    public delegate void Call(AuditLogger logger, string requestId, string? clientIp, string key, string text);

    public static readonly IReadOnlyDictionary<string, Call> All = new Dictionary<string, Call>
    {
        ["auth_success"] = static (l, r, ip, k, t) => l.AuthSuccess(r, ip, k, t),
        ["auth_failure"] = static (l, r, ip, k, t) => l.AuthFailure(r, ip, t, k),
        ["auth_expired"] = static (l, r, ip, k, t) => l.AuthExpired(r, ip, k, t),
        ["auth_disabled"] = static (l, r, ip, k, t) => l.AuthDisabled(r, ip, k, t),
        ["scope_violation"] = static (l, r, ip, k, t) => l.ScopeViolation(r, ip, k, "/v1/models", t),
        ["rate_limited"] = static (l, r, ip, k, t) => l.RateLimited(r, ip, k, t),
        ["model_load"] = static (l, r, ip, k, t) => l.ModelLoad(r, ip, k, t, true),
        ["model_unload"] = static (l, r, ip, k, t) => l.ModelUnload(r, ip, k, t, false),
        ["key_created"] = static (l, r, ip, k, t) => l.KeyCreated(r, ip, k, t),
        ["key_revoked"] = static (l, r, ip, k, t) => l.KeyRevoked(r, ip, k, t),
    };

    public static IEnumerable<object[]> Names()
    {
        foreach (string name in All.Keys)
        {
            yield return new object[] { name };
        }
    }

    /// <summary>U+FFFD in place of every lone surrogate: what a string reads as after a round trip through a line.</summary>
    public static string Sanitize(string value)
    {
        char[] chars = value.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    public static string Prefix(string key, int length)
    {
        if (key.Length <= length)
        {
            return key;
        }

        int end = length;
        if (end > 0 && char.IsHighSurrogate(key[end - 1]) && char.IsLowSurrogate(key[end]))
        {
            end--;
        }

        return key[..end];
    }
}
