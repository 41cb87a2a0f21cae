using Microsoft.CodeAnalysis;

namespace Infernum.Audit.Fast.Generators.Parsing;

/// <summary>
/// The well-known types the parser compares against, each resolved once per compilation by metadata name and
/// compared with <see cref="SymbolEqualityComparer.Default"/>: never by spelling, so aliases, <c>global::</c>,
/// partial parts in other files and user types that merely share a name are told apart.
/// </summary>
internal sealed class KnownSymbols
{
    // One set per compilation, shared by every event of it; dropped with the compilation.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, KnownSymbols> s_byCompilation = new();

    private KnownSymbols(Compilation compilation)
    {
        Compilation = compilation;
        AuditLogger = compilation.GetTypeByMetadataName("Infernum.Audit.Fast.AuditLogger");
        AuditKeyAttribute = compilation.GetTypeByMetadataName("Infernum.Audit.Fast.AuditKeyAttribute");
        AuditRedactAttribute = compilation.GetTypeByMetadataName("Infernum.Audit.Fast.AuditRedactAttribute");
        AuditFieldAttribute = compilation.GetTypeByMetadataName("Infernum.Audit.Fast.AuditFieldAttribute");
        AuditEventType = compilation.GetTypeByMetadataName("Infernum.Audit.Fast.AuditEventType");
        AllowNullAttribute = compilation.GetTypeByMetadataName("System.Diagnostics.CodeAnalysis.AllowNullAttribute");
        MethodImplAttribute = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.MethodImplAttribute");
        IPAddress = compilation.GetTypeByMetadataName("System.Net.IPAddress");
        Guid = compilation.GetTypeByMetadataName("System.Guid");
        DateTimeOffset = compilation.GetTypeByMetadataName("System.DateTimeOffset");
        TimeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        ReadOnlySpan = compilation.GetTypeByMetadataName("System.ReadOnlySpan`1");
        Utf8SpanFormattable = compilation.GetTypeByMetadataName("System.IUtf8SpanFormattable");
    }

    public Compilation Compilation { get; }

    /// <summary>The well-known types of <paramref name="compilation"/>, resolved on first use.</summary>
    public static KnownSymbols For(Compilation compilation) => s_byCompilation.GetValue(compilation, static c => new KnownSymbols(c));

    public INamedTypeSymbol? AuditLogger { get; }

    public INamedTypeSymbol? AuditKeyAttribute { get; }

    public INamedTypeSymbol? AuditRedactAttribute { get; }

    public INamedTypeSymbol? AuditFieldAttribute { get; }

    public INamedTypeSymbol? MethodImplAttribute { get; }

    /// <summary>The built-in events' names; outside the runtime's own assembly they are reserved (INFAUD012).</summary>
    public INamedTypeSymbol? AuditEventType { get; }

    public INamedTypeSymbol? AllowNullAttribute { get; }

    public INamedTypeSymbol? IPAddress { get; }

    public INamedTypeSymbol? Guid { get; }

    public INamedTypeSymbol? DateTimeOffset { get; }

    public INamedTypeSymbol? TimeSpan { get; }

    public INamedTypeSymbol? ReadOnlySpan { get; }

    public INamedTypeSymbol? Utf8SpanFormattable { get; }

    /// <summary>Whether <paramref name="type"/> is the runtime's <c>AuditLogger</c>, with or without <c>?</c>.</summary>
    public bool IsLogger(ITypeSymbol? type)
        => type is not null && AuditLogger is not null && Is(type, AuditLogger);

    /// <summary>Whether <paramref name="type"/> is <paramref name="known"/>, ignoring a nullable annotation.</summary>
    public static bool Is(ITypeSymbol type, INamedTypeSymbol? known)
        => known is not null && SymbolEqualityComparer.Default.Equals(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), known);

    /// <summary>The first attribute of class <paramref name="attributeClass"/> on <paramref name="symbol"/>, or null.</summary>
    public static AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null)
        {
            return null;
        }

        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
            {
                return attribute;
            }
        }

        return null;
    }
}
