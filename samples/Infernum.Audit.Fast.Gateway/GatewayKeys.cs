using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.AspNetCore;

namespace Infernum.Audit.Fast.Gateway;

/// <summary>The gateway's key table: fixed demo keys, one per outcome the load mix exercises. Answers synchronously.</summary>
internal sealed class GatewayKeys : IApiKeyStore
{
    public const string UserKey = "sk-inf-user-5f1c2a9e7d3b4c60";
    public const string AdminKey = "sk-adm-root-0a9b8c7d6e5f4a3b";
    public const string LimitedKey = "sk-inf-slow-3c4d5e6f7a8b9c0d";
    public const string ExpiredKey = "sk-inf-old0-9e8d7c6b5a4f3e2d";
    public const string DisabledKey = "sk-inf-off0-1a2b3c4d5e6f7a8b";

    private readonly Dictionary<string, ApiKeyLookup> _keys = new(StringComparer.Ordinal)
    {
        [UserKey] = new(ApiKeyStatus.Valid, "user", ["chat"]),
        [AdminKey] = new(ApiKeyStatus.Valid, "admin", ["chat", "admin"]),
        [LimitedKey] = new(ApiKeyStatus.Valid, "limited", ["chat"]),
        [ExpiredKey] = new(ApiKeyStatus.Expired),
        [DisabledKey] = new(ApiKeyStatus.Disabled),
    };

    public ValueTask<ApiKeyLookup> FindAsync(string key, CancellationToken cancellationToken)
        => new(_keys.TryGetValue(key, out ApiKeyLookup found) ? found : ApiKeyLookup.Unknown);
}
