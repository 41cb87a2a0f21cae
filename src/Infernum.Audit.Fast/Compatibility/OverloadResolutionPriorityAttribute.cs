#if !NET9_0_OR_GREATER
namespace System.Runtime.CompilerServices;

/// <summary>
/// The attribute of .NET 9's base library, for the net8.0 build: the C# compiler honours it by name, so the built-in
/// events' string-address overloads keep their priority for net8.0 consumers too.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, Inherited = false)]
internal sealed class OverloadResolutionPriorityAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="priority">Higher wins among applicable overloads; the default is 0.</param>
    public OverloadResolutionPriorityAttribute(int priority) => Priority = priority;

    /// <summary>The priority.</summary>
    public int Priority { get; }
}
#endif
