using System.Collections.Generic;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>The answer of an <see cref="IApiKeyStore"/>: the key's status, and for a valid key its id and scopes.</summary>
/// <param name="Status">What was found.</param>
/// <param name="KeyId">A name for the key, used as the principal's name (never the key itself); null for none.</param>
/// <param name="Scopes">The scopes the key holds (each becomes a <c>scope</c> claim); null for none.</param>
public readonly record struct ApiKeyLookup(ApiKeyStatus Status, string? KeyId = null, IReadOnlyList<string>? Scopes = null)
{
    /// <summary>No such key.</summary>
    public static ApiKeyLookup Unknown => new(ApiKeyStatus.Unknown);
}
