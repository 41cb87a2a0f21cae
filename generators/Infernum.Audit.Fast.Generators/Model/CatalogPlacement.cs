namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>Where the catalog goes: the assembly it describes, and a namespace and class name no type of that assembly has.</summary>
internal sealed record CatalogPlacement(string AssemblyName, string Namespace, string ClassName);
