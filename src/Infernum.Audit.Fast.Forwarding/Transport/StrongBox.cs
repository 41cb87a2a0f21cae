namespace Infernum.Audit.Fast.Forwarding.Transport;

/// <summary>A value set by a callback and read by its caller.</summary>
internal sealed class StrongBox<T>
{
    /// <summary>The value.</summary>
    public T? Value { get; set; }
}
