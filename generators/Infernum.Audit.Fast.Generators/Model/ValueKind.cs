namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>How a parameter's value is written.</summary>
internal enum ValueKind
{
    String,
    Boolean,
}
