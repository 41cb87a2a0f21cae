namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>How a parameter's value is written (and its JSON type).</summary>
internal enum ValueKind
{
    String,
    CharSpan,
    Utf8Span,
    Char,
    Boolean,
    Signed,
    Unsigned,
    Single,
    Double,
    Decimal,
    Guid,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    Enum,
    Formattable,

    /// <summary><c>System.Net.IPAddress</c>: formatted straight into the line by the runtime.</summary>
    IPAddress,
}
