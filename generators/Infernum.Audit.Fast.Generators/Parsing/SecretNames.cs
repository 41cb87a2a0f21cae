using System;
using System.Collections.Generic;

namespace Infernum.Audit.Fast.Generators.Parsing;

/// <summary>
/// Whether a parameter's name says it holds a secret (INFAUD014). Judged on the words of its snake_case name, each
/// taken in its plain form (a trailing number dropped, a plural made singular: <c>password2</c>, <c>tokens</c>,
/// <c>creds</c>, <c>recovery_codes</c>), after words that only say how the secret is encoded (<c>value</c>,
/// <c>base64</c>, <c>str</c>, …) are set aside: a secret word or pair anywhere (<c>jwt</c>, <c>refresh_token</c>,
/// <c>seed_phrase</c>, <c>mfa_code</c>) unless the last word says the value is only about the secret
/// (<c>token_type</c>, <c>password_length</c>, <c>prompt_tokens</c>); and <c>key</c> as the last word unless a word
/// before it says what kind of non-secret key it is (<c>cache_key</c>, <c>partition_key</c>, <c>public_key</c>).
/// </summary>
internal static class SecretNames
{
    // Words that name a secret wherever they stand.
    private static readonly string[] s_secretWords =
    {
        "apikey", "token", "secret", "password", "passwd", "pwd", "pass", "passphrase", "passcode", "authorization",
        "credential", "cred", "bearer", "cookie", "jwt", "pem", "privatekey", "otp", "totp", "hotp", "cvv", "cvc",
        "pin", "mnemonic", "session", "sessionid", "hmac", "signature", "sas", "connectionstring", "connstr",
        "connstring", "pat", "apitoken", "accesstoken", "passkey", "seedphrase",
    };

    // Two-word names that are secrets although neither word is on its own.
    private static readonly string[] s_secretPairs =
    {
        "auth_header", "auth_code", "client_assertion", "connection_string", "conn_str", "conn_string", "set_cookie",
        "id_token", "auth_string", "seed_phrase", "recovery_phrase", "recovery_code", "backup_code", "mfa_code",
        "2fa_code", "verification_code", "verify_code", "confirmation_code", "security_code", "reset_code",
        "sms_code", "email_code", "access_code", "private_key", "secret_key", "recovery_key",
        "card_number", "security_answer",
    };

    // Last words that make the value something about a secret rather than the secret.
    private static readonly string[] s_metadataWords =
    {
        "count", "counts", "length", "len", "size", "type", "kind", "name", "names", "id", "ids", "prefix", "suffix",
        "expiry", "expires", "expiration", "age", "ttl", "lifetime", "issuer", "audience", "scheme", "format", "version",
        "fingerprint", "present", "valid", "status", "source", "provider", "policy", "algorithm", "alg", "rotated",
        "changed", "at", "time", "timestamp", "date", "url", "uri", "path", "endpoint", "header_name", "limit", "index",
        "attempts", "attempt", "failures", "required", "enabled", "strength", "score", "reason",
    };

    // Words after the secret that only say how it is encoded or held: 'api_key_value' is the api key.
    private static readonly string[] s_encodingWords =
    {
        "value", "values", "string", "str", "text", "base64", "b64", "hex", "bytes", "raw", "data", "plain",
        "plaintext", "encoded", "der", "material", "utf8", "buffer", "span", "chars",
    };

    // Words before a plural "tokens" that make it a count of model tokens, not credentials.
    private static readonly string[] s_tokenCountQualifiers =
    {
        "prompt", "completion", "input", "output", "total", "max", "min", "used", "num", "reasoning", "cached",
        "context", "generated", "remaining",
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
        var original = new List<string>();
        var words = new List<string>();
        foreach (string word in snakeName.Split(new[] { '_' }, StringSplitOptions.RemoveEmptyEntries))
        {
            string plain = Plain(word);
            if (plain.Length > 0)
            {
                original.Add(word);
                words.Add(plain);
            }
        }

        if (words.Count == 0 || Contains(s_secretWords, string.Concat(words)) || Contains(s_secretWords, string.Concat(original)))
        {
            return true;
        }

        // 'private_key_base64' is judged as 'private_key', 'api_key_value' as 'api_key'.
        while (words.Count > 1 && Contains(s_encodingWords, words[words.Count - 1]))
        {
            words.RemoveAt(words.Count - 1);
            original.RemoveAt(original.Count - 1);
        }

        int n = words.Count;
        string last = words[n - 1];
        if (Contains(s_secretWords, string.Concat(words)))
        {
            return true;
        }

        if (last == "key")
        {
            // "key" alone, "api_key", "private_key", "signing_key": a credential; "cache_key", "sort_key": a lookup.
            if (n == 1)
            {
                return true;
            }

            string before = original[n - 2];
            string beforeTwo = n >= 3 ? original[n - 3] + "_" + before : string.Empty;
            return !Contains(s_nonSecretKeyQualifiers, before) && !Contains(s_nonSecretKeyQualifiers, beforeTwo);
        }

        if (Contains(s_metadataWords, original[n - 1]) || Contains(s_metadataWords, last)
            || (n >= 2 && Contains(s_metadataWords, original[n - 2] + "_" + original[n - 1])))
        {
            return false;
        }

        // "prompt_tokens", "max_tokens": a count of a model's tokens.
        if (last == "token" && original[n - 1] != last && n >= 2 && Contains(s_tokenCountQualifiers, original[n - 2]))
        {
            return false;
        }

        for (int i = 0; i < n; i++)
        {
            if (Contains(s_secretWords, words[i]) || (i > 0 && Contains(s_secretPairs, words[i - 1] + "_" + words[i])))
            {
                return true;
            }
        }

        return false;
    }

    // A word without its trailing number ('password2'), and singular when that form is a secret word or pair part
    // ('tokens', 'creds', 'codes'); a word that is only a number is dropped ("").
    private static string Plain(string word)
    {
        int end = word.Length;
        while (end > 0 && char.IsDigit(word[end - 1]))
        {
            end--;
        }

        if (end == 0)
        {
            // "2fa" stays, "2" alone is dropped.
            return word.Length > 0 && !char.IsDigit(word[0]) ? word : string.Empty;
        }

        string stem = word.Substring(0, end);
        if (stem.Length > 3 && stem[stem.Length - 1] == 's' && stem[stem.Length - 2] != 's')
        {
            string singular = stem.Substring(0, stem.Length - 1);
            if (IsSecretVocabulary(singular))
            {
                return singular;
            }
        }

        return end == word.Length || !char.IsDigit(word[0]) ? stem : word;
    }

    private static bool IsSecretVocabulary(string word)
    {
        if (word is "key" or "code" or "phrase" or "value" || Contains(s_secretWords, word))
        {
            return true;
        }

        foreach (string pair in s_secretPairs)
        {
            int split = pair.IndexOf('_');
            if (pair.Substring(0, split) == word || pair.Substring(split + 1) == word)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(string[] words, string word) => Array.IndexOf(words, word) >= 0;
}
