using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>A source location by value (path and spans), so diagnostics can live in cached models.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
        => location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}
