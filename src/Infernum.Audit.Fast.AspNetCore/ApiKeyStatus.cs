namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>What an <see cref="IApiKeyStore"/> found for a presented key.</summary>
public enum ApiKeyStatus
{
    /// <summary>No such key: the request is unauthenticated and <c>auth_failure</c> (<c>invalid_key</c>) is written.</summary>
    Unknown,

    /// <summary>A usable key: the request is authenticated and <c>auth_success</c> is written.</summary>
    Valid,

    /// <summary>The key has expired: <c>auth_expired</c> is written.</summary>
    Expired,

    /// <summary>The key was disabled: <c>auth_disabled</c> is written.</summary>
    Disabled,
}
