using System;

namespace Infernum.Audit.Fast;

/// <summary>Names the JSON field a parameter is written as, instead of the parameter's name in snake_case.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AuditFieldAttribute : Attribute
{
    /// <summary>Names the field <paramref name="name"/> (lowercase snake_case).</summary>
    public AuditFieldAttribute(string name) => Name = name;

    /// <summary>The field's name.</summary>
    public string Name { get; }
}
