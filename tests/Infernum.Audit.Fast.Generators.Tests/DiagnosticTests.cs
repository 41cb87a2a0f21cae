using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>One test per diagnostic id: exactly that id, at the right place. The marked text /*@*/x/*@*/ is where it must point.</summary>
public sealed class DiagnosticTests
{
    private static Diagnostic AssertSingle(
        string id, string markedSource, DiagnosticSeverity severity = DiagnosticSeverity.Error, Microsoft.CodeAnalysis.CSharp.LanguageVersion version = Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest)
    {
        string[] parts = markedSource.Split("/*@*/");
        Assert.Equal(3, parts.Length);
        string source = GeneratorHarness.Usings + string.Concat(parts);
        int start = GeneratorHarness.Usings.Length + parts[0].Length;

        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(
            GeneratorHarness.Compile(version, NullableContextOptions.Enable, false, source));
        ImmutableArray<Diagnostic> diagnostics = outcome.Generator;
        Assert.Empty(outcome.InGeneratedCode);

        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(start, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(parts[1].Length, diagnostic.Location.SourceSpan.Length);
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        return diagnostic;
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
        static partial class E { [AuditEvent("a_b", Endpoint = "/x", Details = "key /*@*/{apiKey}/*@*/")] static partial void A(AuditLogger audit, string requestId, [AuditKey] string apiKey); }
        """);

    [Fact]
    public void INFAUD006_static_method_says_the_instance_logger_cannot_be_used()
    {
        Diagnostic diagnostic = AssertSingle("INFAUD006", """
            sealed partial class E(AuditLogger audit) { public AuditLogger A => audit; [AuditEvent("a_b", Endpoint = "/x")] public static partial void /*@*/B/*@*/(string requestId); }
            """);
        Assert.Contains("it is static, so the instance logger 'A' of its type cannot be used", diagnostic.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void INFAUD006_static_method_names_the_primary_constructor_parameter_it_cannot_read()
    {
        Diagnostic diagnostic = AssertSingle("INFAUD006", """
            sealed partial class E(AuditLogger audit) { [AuditEvent("a_b", Endpoint = "/x")] public static partial void /*@*/B/*@*/(string requestId); public void C() => audit.Flush(); }
            """);
        Assert.Contains("it is static, so the instance logger 'audit' of its type cannot be used", diagnostic.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void INFAUD009_suggests_the_parameter_it_probably_meant()
    {
        Diagnostic diagnostic = AssertSingle("INFAUD009", """
            static partial class E { [AuditEvent("a_b", Endpoint = "/x", Details = @"for /*@*/{UserID}/*@*/")] static partial void A(AuditLogger audit, string requestId, string user_id, string userName); }
            """);
        Assert.EndsWith("did you mean '{user_id}'?", diagnostic.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void INFAUD009_in_a_template_with_escapes_points_at_the_attribute() => AssertSingle("INFAUD009", """
        static partial class E { [/*@*/AuditEvent("a_b", Endpoint = "/x", Details = "tab\t{user}")/*@*/] static partial void A(AuditLogger audit, string requestId, string userId); }
        """);

    [Fact]
    public void INFAUD018_language_version_below_11() => AssertSingle(
        "INFAUD018",
        """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void /*@*/A/*@*/(AuditLogger audit, string requestId); }
        """,
        version: Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp10);

    [Fact]
    public void INFAUD019_file_local_type() => AssertSingle("INFAUD019", """
        file static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void /*@*/A/*@*/(AuditLogger audit, string requestId); }
        """);

    [Fact]
    public void INFAUD019_nested_in_a_file_local_type() => AssertSingle("INFAUD019", """
        file partial class F { static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void /*@*/A/*@*/(AuditLogger audit, string requestId); } }
        """);

    [Fact]
    public void INFAUD020_local_function() => AssertSingle("INFAUD020", """
        static class E { static void M() { [/*@*/AuditEvent("a_b", Endpoint = "/x")/*@*/] static void Inner(AuditLogger audit, string requestId) { } Inner(null!, ""); } }
        """);

    [Fact]
    public void INFAUD020_names_an_operator_with_its_article()
    {
        Diagnostic diagnostic = AssertSingle("INFAUD020", """
            partial struct E { [/*@*/AuditEvent("a_b", Endpoint = "/x")/*@*/] public static E operator +(E a, E b) => a; }
            """);
        Assert.Equal("[AuditEvent] is on an operator; it belongs on a partial method declared in a type", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void INFAUD020_lambda() => AssertSingle("INFAUD020", """
        static class E { static Action<AuditLogger> M() => [/*@*/AuditEvent("a_b", Endpoint = "/x")/*@*/] (AuditLogger audit) => { }; }
        """);

    [Fact]
    public void INFAUD021_logger_in_template() => AssertSingle("INFAUD021", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x", Details = "by /*@*/{audit}/*@*/")] static partial void A(AuditLogger audit, string requestId); }
        """);

    [Fact]
    public void INFAUD022_outer_type_not_partial() => AssertSingle("INFAUD022", """
        class Outer { public static partial class E { [AuditEvent("a_b", Endpoint = "/x")] public static partial void /*@*/A/*@*/(AuditLogger audit, string requestId); } }
        """);

    [Theory]
    [InlineData("jwt")]
    [InlineData("bearer")]
    [InlineData("pem")]
    [InlineData("privateKey")]
    [InlineData("authHeader")]
    [InlineData("hfToken")]
    [InlineData("refreshToken")]
    [InlineData("cookie")]
    [InlineData("sessionCookie")]
    [InlineData("apiKey")]
    [InlineData("key")]
    [InlineData("clientSecret")]
    [InlineData("passphrase")]
    [InlineData("connectionString")]
    [InlineData("authorizationHeader")]
    [InlineData("signingKey")]
    [InlineData("password2")]
    [InlineData("passwords")]
    [InlineData("tokens")]
    [InlineData("apiKeyValue")]
    [InlineData("privateKeyBase64")]
    [InlineData("connStr")]
    [InlineData("creds")]
    [InlineData("pass")]
    [InlineData("passwordHash")]
    [InlineData("seedPhrase")]
    [InlineData("recoveryCodes")]
    [InlineData("mfaCode")]
    [InlineData("verificationCode")]
    [InlineData("githubPat")]
    [InlineData("cookies")]
    [InlineData("credentials")]
    [InlineData("otpCode")]
    [InlineData("authCode")]
    [InlineData("refreshTokenValue")]
    [InlineData("backupCodes")]
    [InlineData("accessTokens")]
    [InlineData("sessionId")]
    public void INFAUD014_recognises_secret_names(string name) => AssertSingle("INFAUD014", $$"""
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, string /*@*/{{name}}/*@*/); }
        """);

    [Theory]
    [InlineData("cacheKey")]
    [InlineData("sortKey")]
    [InlineData("partitionKey")]
    [InlineData("idempotencyKey")]
    [InlineData("publicKey")]
    [InlineData("newKeyPrefix")]
    [InlineData("keyId")]
    [InlineData("tokenCount")]
    [InlineData("tokenType")]
    [InlineData("passwordLength")]
    [InlineData("promptTokens")]
    [InlineData("monkey")]
    [InlineData("maxTokens")]
    [InlineData("completionTokens")]
    [InlineData("passwordAttempts")]
    [InlineData("tokenCounts")]
    [InlineData("passCount")]
    [InlineData("status")]
    [InlineData("bypass")]
    [InlineData("keyIds")]
    [InlineData("address")]
    [InlineData("s3Key")]
    [InlineData("tokenVersion2")]
    [InlineData("tokenizer")]
    public void INFAUD014_leaves_names_that_are_not_secrets(string name)
    {
        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.Run(GeneratorHarness.Usings + $$"""
            static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, string {{name}}); }
            """).Generator;
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void INFAUD014_lowered_by_the_user_still_generates_the_method()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(GeneratorHarness.Usings + """
            public static partial class E { [AuditEvent("a_b", Endpoint = "/x")] public static partial void A(AuditLogger audit, string requestId, string refreshToken); }
            """);
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            new System.Collections.Generic.Dictionary<string, ReportDiagnostic> { ["INFAUD014"] = ReportDiagnostic.Warn }));

        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(compilation);

        Diagnostic lowered = Assert.Single(outcome.Generator);
        Assert.Equal(("INFAUD014", DiagnosticSeverity.Warning), (lowered.Id, lowered.Severity));
        Assert.Empty(outcome.Compilation.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("public static partial void A(", outcome.GeneratedText("E.AuditEvents.g.cs"), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int", "pin")]
    [InlineData("ulong", "cvv")]
    [InlineData("long", "otp")]
    [InlineData("int?", "mfaCode")]
    public void INFAUD014_recognises_secrets_held_in_numbers_and_identifiers(string type, string name) => AssertSingle("INFAUD014", $$"""
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, {{type}} /*@*/{{name}}/*@*/); }
        """);

    [Theory]
    [InlineData("bool", "passwordChanged")]
    [InlineData("DateTime", "token")]
    [InlineData("TimeSpan", "session")]
    [InlineData("Guid", "sessionId")]
    [InlineData("Version", "tokenVersion2")]
    public void INFAUD014_leaves_values_that_cannot_hold_a_secret(string type, string name)
    {
        ImmutableArray<Diagnostic> diagnostics = GeneratorHarness.Run(GeneratorHarness.Usings + $$"""
            static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, {{type}} {{name}}); }
            """).Generator;
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void INFAUD005_variable_argument_list() => AssertSingle("INFAUD005", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static partial void A(AuditLogger audit, string requestId, /*@*/__arglist/*@*/); }
        """);

    [Fact]
    public void INFAUD002_lone_extern_declaration() => AssertSingle("INFAUD002", """
        static partial class E { [AuditEvent("a_b", Endpoint = "/x")] static extern partial void /*@*/A/*@*/(AuditLogger audit, string requestId); }
        """);

    [Theory]
    [InlineData("AuditEventType.AuthFailure")]
    [InlineData("\"auth_failure\"")]
    [InlineData("\"key_revoked\"")]
    public void INFAUD012_built_in_event_name_outside_the_runtime(string name)
    {
        Diagnostic diagnostic = AssertSingle("INFAUD012", $$"""
            static partial class E { [/*@*/AuditEvent({{name}}, Endpoint = "/af")/*@*/] static partial void F(AuditLogger a, string requestId, [AuditKey] string key, string? clientIp); }
            """);
        Assert.Contains("is a built-in event's name, written only by the runtime's own method (AuditLogger.", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

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

    [Fact]
    public void Every_help_link_is_an_absolute_address_with_the_id_as_its_anchor()
    {
        foreach (System.Reflection.FieldInfo field in typeof(Infernum.Audit.Fast.Generators.DiagnosticDescriptors).GetFields())
        {
            var descriptor = (DiagnosticDescriptor)field.GetValue(null)!;
            Assert.True(System.Uri.TryCreate(descriptor.HelpLinkUri, System.UriKind.Absolute, out System.Uri? uri), descriptor.HelpLinkUri);
            Assert.Equal("https", uri!.Scheme);
            Assert.Equal("#" + descriptor.Id.ToLowerInvariant(), uri.Fragment);
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
