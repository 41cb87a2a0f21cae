using System;

namespace Infernum.Audit.Fast.Generators.Parsing;

/// <summary>
/// Whether a parameter's name says it holds a secret (INFAUD014). Judged on the words of its snake_case name:
/// a secret word anywhere (<c>jwt</c>, <c>bearer</c>, <c>refresh_token</c>, <c>session_cookie</c>) unless the last word
/// says the value is only about the secret (<c>token_type</c>, <c>password_length</c>); and <c>key</c> as the last word
/// unless a word before it says what kind of non-secret key it is (<c>cache_key</c>, <c>partition_key</c>, <c>public_key</c>).
/// </summary>
internal static class SecretNames
{
    // Words that name a secret wherever they stand.
    private static readonly string[] s_secretWords =
    {
        "apikey", "token", "secret", "secrets", "password", "passwd", "pwd", "passphrase", "passcode", "authorization",
        "credential", "credentials", "bearer", "cookie", "cookies", "jwt", "pem", "privatekey", "otp", "totp", "cvv",
        "pin", "mnemonic", "session", "sessionid", "hmac", "signature", "sas", "connectionstring",
    };

    // Two-word names that are secrets although neither word is on its own.
    private static readonly string[] s_secretPairs =
    {
        "auth_header", "auth_code", "client_assertion", "connection_string", "set_cookie", "id_token", "auth_string",
    };

    // Last words that make the value something about a secret rather than the secret.
    private static readonly string[] s_metadataWords =
    {
        "count", "counts", "length", "len", "size", "type", "kind", "name", "names", "id", "ids", "prefix", "suffix",
        "expiry", "expires", "expiration", "age", "ttl", "lifetime", "issuer", "audience", "scheme", "format", "version",
        "fingerprint", "hash", "present", "valid", "status", "source", "provider", "policy", "algorithm", "alg", "rotated",
        "changed", "at", "time", "timestamp", "date", "url", "uri", "path", "endpoint", "header_name", "limit", "index",
    };

    // Words before "key" that make it a lookup key, not a credential.
    private static readonly string[] s_nonSecretKeyQualifiers =
    {
        "cache", "sort", "partition", "primary", "foreign", "idempotency", "lookup", "routing", "dedup", "dedupe",
        "composite", "row", "hash", "map", "dictionary", "group", "order", "join", "index", "entity", "message", "object",
        "resource", "cursor", "page", "config", "setting", "settings", "feature", "event", "correlation", "request",
        "trace", "public", "rate", "bucket", "shard", "tenant", "natural", "surrogate", "unique", "business", "lock",
        "queue", "topic", "sequence", "idem", "state", "storage_account", "translation", "i18n", "locale", "registry",
        "blob", "file", "s3", "item", "record", "document", "tag", "label", "metric", "dimension", "shortcut", "hot",
        "sorting", "grouping", "parent", "child", "node", "api_version", "column", "field", "property", "kv", "redis",
    };

    /// <summary>Whether <paramref name="snakeName"/> (a parameter name in snake_case) looks like a secret.</summary>
    public static bool LooksLikeSecret(string snakeName)
    {
        string[] words = snakeName.Split(new[] { '_' }, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return false;
        }

        string last = words[words.Length - 1];
        string joined = string.Concat(words);
        if (Contains(s_secretWords, joined))
        {
            return true;
        }

        if (last is "key" or "keys")
        {
            // "key" alone, "api_key", "private_key", "signing_key": a credential; "cache_key", "sort_key": a lookup.
            if (words.Length == 1)
            {
                return true;
            }

            string before = words[words.Length - 2];
            string beforeTwo = words.Length >= 3 ? words[words.Length - 3] + "_" + before : string.Empty;
            return !Contains(s_nonSecretKeyQualifiers, before) && !Contains(s_nonSecretKeyQualifiers, beforeTwo);
        }

        if (Contains(s_metadataWords, last)
            || (words.Length >= 2 && Contains(s_metadataWords, words[words.Length - 2] + "_" + last)))
        {
            return false;
        }

        for (int i = 0; i < words.Length; i++)
        {
            if (Contains(s_secretWords, words[i]) || (i > 0 && Contains(s_secretPairs, words[i - 1] + "_" + words[i])))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(string[] words, string word) => Array.IndexOf(words, word) >= 0;
}
