using System;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Splits a line into its timestamp and the rest, checking the timestamp's exact form.</summary>
internal static partial class AuditLine
{
    [GeneratedRegex("""^\{"timestamp":"(?<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z)"(?<rest>.*)$""", RegexOptions.Singleline)]
    private static partial Regex Shape();

    /// <summary>The line after <c>{"timestamp":"…Z"</c>; asserts the timestamp is RFC 3339 UTC with 7 digits.</summary>
    public static string WithoutTimestamp(string line) => Split(line).Body;

    public static (DateTime Timestamp, string Body) Split(string line)
    {
        Match match = Shape().Match(line);
        Assert.True(match.Success, "Not an audit line: " + line);
        DateTime timestamp = DateTime.ParseExact(
            match.Groups["ts"].Value, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return (timestamp, match.Groups["rest"].Value);
    }
}
