using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>One test per diagnostic id: exactly that id, at the right place. The marked text /*@*/x/*@*/ is where it must point.</summary>
public sealed class DiagnosticTests
{
    private static void AssertSingle(string id, string markedSource, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        string[] parts = markedSource.Split("/*@*/");
        Assert.Equal(3, parts.Length);
        string source = GeneratorHarness.Usings + string.Concat(parts);
        int start = GeneratorHarness.Usings.Length + parts[0].Length;

        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.Run(source).Generator;

        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(start, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(parts[1].Length, diagnostic.Location.SourceSpan.Length);
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
    }

    [Fact]
    public void INFAUD001_not_partial() => AssertSingle("INFAUD001", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] public static void /*@*/A/*@*/(AuditLogger audit, string requestId) { } }
        """);

    [Fact]
    public void INFAUD002_has_a_body() => AssertSingle("INFAUD002", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void /*@*/A/*@*/(AuditLogger audit, string requestId) { } }
        """);

    [Fact]
    public void INFAUD003_returns_neither_void_nor_bool() => AssertSingle("INFAUD003", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial /*@*/int/*@*/ A(AuditLogger audit, string requestId); }
        """);

    [Fact]
    public void INFAUD004_generic() => AssertSingle("INFAUD004", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void /*@*/A/*@*/<T>(AuditLogger audit, string requestId); }
        """);

    [Fact]
    public void INFAUD005_ref_parameter() => AssertSingle("INFAUD005", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, ref int /*@*/n/*@*/); }
        """);

    [Fact]
    public void INFAUD006_no_logger() => AssertSingle("INFAUD006", """
        partial class E { [AuditEvent("a_b", Endpoint = "/x")] partial void /*@*/A/*@*/(string requestId); }
        """);

    [Fact]
    public void INFAUD007_two_loggers() => AssertSingle("INFAUD007", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void /*@*/A/*@*/(AuditLogger one, AuditLogger two, string requestId); }
        """);

    [Fact]
    public void INFAUD008_unsupported_type() => AssertSingle("INFAUD008", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, object /*@*/payload/*@*/); }
        """);

    [Fact]
    public void INFAUD009_hole_without_parameter() => AssertSingle("INFAUD009", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x", Details = "for /*@*/{user}/*@*/")] static partial void A(AuditLogger audit, string requestId, string userId); }
        """);

    [Fact]
    public void INFAUD010_malformed_template() => AssertSingle("INFAUD010", """
        static partial class E { [/*@*/AuditEvent("a_b", Endpoint = "/x", Details = "set {a")/*@*/] static partial void A(AuditLogger audit, string requestId, string a); }
        """);

    [Fact]
    public void INFAUD011_two_parameters_one_field() => AssertSingle("INFAUD011", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, int userId, [AuditField("user_id")] int /*@*/other/*@*/); }
        """);

    [Fact]
    public void INFAUD011_parameter_named_like_a_seed_field() => AssertSingle("INFAUD011", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, string /*@*/endpoint/*@*/); }
        """);

    [Fact]
    public void INFAUD012_invalid_event_name() => AssertSingle("INFAUD012", """
        static partial class E { [/*@*/AuditEvent("TokenRefreshed", Endpoint = "/x")/*@*/] static partial void A(AuditLogger audit, string requestId); }
        """);

    [Fact]
    public void INFAUD012_reserved_event_name() => AssertSingle("INFAUD012", """
        static partial class E { [/*@*/AuditEvent("audit_dropped", Endpoint = "/x")/*@*/] static partial void A(AuditLogger audit, string requestId); }
        """);

    [Fact]
    public void INFAUD013_event_name_declared_twice_with_different_fields() => AssertSingle("INFAUD013", """
        static partial class E
        {
            [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, int count);
            [AuditEvent("a_b", Endpoint = "/x")] static partial void /*@*/B/*@*/(AuditLogger audit, string requestId, string count);
            [AuditEvent("a_b", Endpoint = "/x")] static partial void C(AuditLogger audit, string requestId, int count);
        }
        """);

    [Fact]
    public void INFAUD014_secret_written_verbatim() => AssertSingle("INFAUD014", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, string /*@*/refreshToken/*@*/); }
        """);

    [Fact]
    public void INFAUD015_missing_endpoint() => AssertSingle("INFAUD015", """
        static partial class E { [AuditEvent("a_b")] static partial void /*@*/A/*@*/(AuditLogger audit, string requestId); }
        """);

    [Fact]
    public void INFAUD016_invalid_field_name() => AssertSingle("INFAUD016", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, [AuditField("HTTP Status")] int /*@*/status/*@*/); }
        """);

    [Fact]
    public void INFAUD017_key_in_template() => AssertSingle("INFAUD017", """
        static partial class E { [/*@*/AuditEvent("a_b", Endpoint = "/x", Details = "key {apiKey}")/*@*/] static partial void A(AuditLogger audit, string requestId, [AuditKey] string apiKey); }
        """);

    [Fact]
    public void Key_and_redacted_secrets_raise_no_warning()
    {
        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.Run(GeneratorHarness.Usings + """
            static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, [AuditKey] string apiKey, [AuditRedact] string password, string newKeyPrefix); }
            """).Generator;
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Every_descriptor_is_documented()
    {
        string doc = System.IO.File.ReadAllText(System.IO.Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        foreach (System.Reflection.FieldInfo field in typeof(Infernum.Audit.Fast.Generators.DiagnosticDescriptors).GetFields())
        {
            var descriptor = (DiagnosticDescriptor)field.GetValue(null)!;
            Assert.Contains("## " + descriptor.Id, doc, System.StringComparison.Ordinal);
            Assert.StartsWith("INFAUD", descriptor.Id, System.StringComparison.Ordinal);
        }
    }

    internal static string RepositoryRoot()
    {
        string directory = System.AppContext.BaseDirectory;
        while (!System.IO.File.Exists(System.IO.Path.Combine(directory, "Infernum.Audit.Fast.sln")))
        {
            directory = System.IO.Path.GetDirectoryName(directory)!;
        }

        return directory;
    }
}
