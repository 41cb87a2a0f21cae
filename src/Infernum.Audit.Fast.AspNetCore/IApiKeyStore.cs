using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast.AspNetCore;

/// <summary>
/// Looks API keys up for <see cref="ApiKeyAuthenticationHandler"/>: the application implements it over its key table.
/// Called once per request that presents a key. Return a completed <see cref="ValueTask{TResult}"/> when the answer
/// is cached, so the request does not allocate a task.
/// </summary>
public interface IApiKeyStore
{
    /// <summary>Finds <paramref name="key"/>.</summary>
    /// <param name="key">The key as presented (without the <c>Bearer </c> scheme). Never log it: it is a secret.</param>
    /// <param name="cancellationToken">The request's abort token.</param>
    /// <returns>The key's status, id and scopes.</returns>
    ValueTask<ApiKeyLookup> FindAsync(string key, CancellationToken cancellationToken);
}
