namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>A containing type, as its partial declaration is re-opened: <c>partial class Name&lt;T&gt;</c>.</summary>
internal sealed record TypeDeclarationModel(string Keyword, string Name);
