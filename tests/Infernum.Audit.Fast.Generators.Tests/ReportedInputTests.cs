using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>
/// The declarations reported against this generator (issue 16), each compiled under the repository's settings and
/// run: it writes the expected line with no warning anywhere, or is refused with the generator's own diagnostic
/// and nothing wrong in generated code.
/// </summary>
public sealed class ReportedInputTests
{
    private static string[] RunClean(params string[] sources) => RunClean(NullableContextOptions.Enable, checkOverflow: false, sources);

    private static string[] RunClean(NullableContextOptions nullable, bool checkOverflow, params string[] sources)
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(LanguageVersion.Latest, nullable, checkOverflow, sources));
        Assert.Empty(outcome.WarningsAndErrors);
        return GeneratorHarness.Execute(outcome.Output);
    }

    private static void AssertLines(string[] expected, string[] actual)
    {
        for (int i = 0; i < System.Math.Max(expected.Length, actual.Length); i++)
        {
            Assert.Equal(i < expected.Length ? expected[i] : "<none>", i < actual.Length ? actual[i] : "<none>");
        }
    }

    /// <summary>The text a diagnostic points at, in the source it was reported on.</summary>
    internal static string Spanned(Diagnostic diagnostic, string source)
        => source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);

    /// <summary>
    /// The generator reports exactly <paramref name="id"/> at <paramref name="spanned"/>, nothing is wrong in generated
    /// code, and the compiler error the declaration caused before (<paramref name="formerError"/>) is gone.
    /// </summary>
    private static void AssertRefused(string source, string id, string spanned, string formerError, LanguageVersion version = LanguageVersion.Latest)
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(version, NullableContextOptions.Enable, false, source));

        Diagnostic diagnostic = Assert.Single(outcome.Generator);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(spanned, Spanned(diagnostic, source));
        Assert.Empty(outcome.InGeneratedCode);
        Assert.DoesNotContain(outcome.Compilation, d => d.Id == formerError);
    }

    private static string Line(string eventType, string fields = "") =>
        ",\"event_type\":\"" + eventType + "\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true" + fields + "}";

    [Fact]
    public void An_undefined_ulong_enum_value_is_written_as_its_number_under_checked_arithmetic()
    {
        string[] lines = RunClean(NullableContextOptions.Enable, checkOverflow: true, GeneratorHarness.Usings + """
            public enum Mask : ulong { Low = 0, High = ulong.MaxValue }
            public static partial class Audits
            {
                [AuditEvent("flagged", Endpoint = "/x")] public static partial void Flagged(AuditLogger audit, string requestId, Mask mask);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    Audits.Flagged(audit, "r", (Mask)(ulong.MaxValue - 1));
                    Audits.Flagged(audit, "r", Mask.High);
                }
            }
            """);

        AssertLines(new[] { Line("flagged", ",\"mask\":18446744073709551614"), Line("flagged", ",\"mask\":\"high\"") }, lines);
    }

    [Theory]
    [InlineData("sbyte", "sbyte.MinValue", "-128", "sbyte.MaxValue")]
    [InlineData("byte", "byte.MaxValue", "255", "0")]
    [InlineData("short", "short.MinValue", "-32768", "short.MaxValue")]
    [InlineData("ushort", "ushort.MaxValue", "65535", "0")]
    [InlineData("int", "int.MinValue", "-2147483648", "int.MaxValue")]
    [InlineData("uint", "uint.MaxValue", "4294967295", "0")]
    [InlineData("long", "long.MinValue", "-9223372036854775808", "long.MaxValue")]
    [InlineData("ulong", "ulong.MaxValue", "18446744073709551615", "0")]
    public void Every_enum_underlying_type_writes_undefined_values_exactly(string underlying, string undefined, string written, string defined)
    {
        string[] lines = RunClean(NullableContextOptions.Enable, checkOverflow: true, GeneratorHarness.Usings + $$"""
            public enum Level : {{underlying}} { Top = {{defined}} }
            public static partial class Audits
            {
                [AuditEvent("levelled", Endpoint = "/x", Details = "at {level}")] public static partial void Levelled(AuditLogger audit, string requestId, Level level, Level? maybe);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    Audits.Levelled(audit, "r", unchecked((Level){{undefined}}), unchecked((Level){{undefined}}));
                    Audits.Levelled(audit, "r", Level.Top, null);
                    Audits.Levelled(audit, "r", Level.Top, Level.Top);
                }
            }
            """);

        AssertLines(
            new[]
            {
                Line("levelled", ",\"details\":\"at " + written + "\",\"maybe\":" + written),
                Line("levelled", ",\"details\":\"at top\""),
                Line("levelled", ",\"details\":\"at top\",\"maybe\":\"top\""),
            },
            lines);
    }

    [Fact]
    public void An_extension_event_keeps_this()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public static partial class Audits
            {
                [AuditEvent("token_refreshed", Endpoint = "/x")] public static partial void TokenRefreshed(this AuditLogger audit, string requestId);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => audit.TokenRefreshed("r");
            }
            """);

        AssertLines(new[] { Line("token_refreshed") }, lines);
    }

    [Fact]
    public void Types_whose_names_differ_only_in_case_each_get_their_body()
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(GeneratorHarness.Usings + """
            namespace Shop.API { public static partial class Audits { [AuditEvent("upper", Endpoint = "/x")] public static partial void Upper(AuditLogger audit, string requestId); } }
            namespace Shop.Api { public static partial class Audits { [AuditEvent("lower", Endpoint = "/x")] public static partial void Lower(AuditLogger audit, string requestId); } }
            public static partial class Audits_T_ { [AuditEvent("cleaned", Endpoint = "/x")] public static partial void Cleaned(AuditLogger audit, string requestId); }
            public static partial class Audits<T> { [AuditEvent("generic", Endpoint = "/x")] public static partial void Generic(AuditLogger audit, string requestId); }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    Shop.API.Audits.Upper(audit, "r");
                    Shop.Api.Audits.Lower(audit, "r");
                    Audits_T_.Cleaned(audit, "r");
                    Audits<int>.Generic(audit, "r");
                }
            }
            """));

        Assert.Empty(outcome.WarningsAndErrors);
        string[] hints = outcome.Run.Results.Single().GeneratedSources.Select(s => s.HintName.ToUpperInvariant()).ToArray();
        Assert.Equal(hints.Length, hints.Distinct().Count());
        AssertLines(new[] { Line("upper"), Line("lower"), Line("cleaned"), Line("generic") }, GeneratorHarness.Execute(outcome.Output));
    }

    [Fact]
    public void Under_nullable_disable_a_null_reference_leaves_its_field_out()
    {
        string[] lines = RunClean(NullableContextOptions.Enable, checkOverflow: false, GeneratorHarness.Usings + """
            #nullable disable
            public static partial class Audits
            {
                [AuditEvent("profile_changed", Endpoint = "/x", Details = "note: {note}")]
                public static partial void ProfileChanged(AuditLogger audit, string requestId, string note, [AuditRedact] string email, string reason, Version version);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => Audits.ProfileChanged(audit, "r", null, null, null, null);
            }
            """);

        Assert.Equal(new[] { Line("profile_changed", ",\"details\":\"note: \"") }, lines);
    }

    [Fact]
    public void A_primary_constructor_logger_is_found_in_another_file_and_through_an_alias()
    {
        string[] lines = RunClean(
            GeneratorHarness.Usings + "public sealed partial class Svc(AuditLogger audit) { public AuditLogger Logger => audit; }",
            GeneratorHarness.Usings + """
                public sealed partial class Svc
                {
                    [AuditEvent("split_primary", Endpoint = "/x")] public partial void SplitPrimary(string requestId);
                }
                """,
            "using Log = Infernum.Audit.Fast.AuditLogger;\nusing Infernum.Audit.Fast;\n" + """
                public sealed partial class Aliased(Log audit)
                {
                    [AuditEvent("aliased", Endpoint = "/x")] public partial void Done(string requestId);
                }
                public static class Probe
                {
                    public static void Run(AuditLogger audit)
                    {
                        new Svc(audit).SplitPrimary("r");
                        new Aliased(audit).Done("r");
                    }
                }
                """);

        AssertLines(new[] { Line("split_primary"), Line("aliased") }, lines);
    }

    [Fact]
    public void A_user_type_named_AuditLogger_is_not_the_logger() => AssertRefused(
        """
        using Infernum.Audit.Fast;
        namespace App
        {
            public class AuditLogger { }
            public partial class Svc(AuditLogger audit)
            {
                public AuditLogger Audit => audit;
                [AuditEvent("x_y", Endpoint = "/x")] public partial void Done(string requestId);
            }
        }
        """,
        "INFAUD006",
        "Done",
        "CS0029");

    [Fact]
    public void The_logger_cannot_be_a_template_hole() => AssertRefused(
        GeneratorHarness.Usings + """
        public static partial class Audits
        {
            [AuditEvent("written", Endpoint = "/x", Details = "written by {audit}")] public static partial void Written(AuditLogger audit, string requestId);
        }
        """,
        "INFAUD021",
        "{audit}",
        "CS1503");

    [Fact]
    public void A_static_or_explicit_interface_logger_serves_an_instance_event()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public interface IHasAudit { AuditLogger Audit { get; } }
            public sealed partial class Shared
            {
                internal static AuditLogger? Logger;
                [AuditEvent("from_static", Endpoint = "/x")] public partial void FromStatic(string requestId);
            }
            public static class Locator { public static AuditLogger? Current; }
            public sealed partial class Explicit : IHasAudit
            {
                AuditLogger IHasAudit.Audit => Locator.Current!;
                [AuditEvent("from_interface", Endpoint = "/x")] public partial void FromInterface(string requestId);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    Shared.Logger = audit;
                    new Shared().FromStatic("r");
                    Locator.Current = audit;
                    new Explicit().FromInterface("r");
                }
            }
            """);

        AssertLines(new[] { Line("from_static"), Line("from_interface") }, lines);
    }

    [Fact]
    public void A_primary_constructor_logger_passed_to_the_base_is_read_from_the_base()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public abstract class ControllerBase(AuditLogger audit) { protected AuditLogger Audit { get; } = audit; }
            public sealed partial class KeysController(AuditLogger audit) : ControllerBase(audit)
            {
                [AuditEvent("key_listed", Endpoint = "/x")] public partial void KeyListed(string requestId);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => new KeysController(audit).KeyListed("r");
            }
            """);

        AssertLines(new[] { Line("key_listed") }, lines);
    }

    [Fact]
    public void A_language_version_below_11_is_refused_before_generated_code_fails() => AssertRefused(
        GeneratorHarness.Usings + """
        public static partial class Audits
        {
            [AuditEvent("old", Endpoint = "/x")] public static partial void Old(AuditLogger audit, string requestId);
        }
        """,
        "INFAUD018",
        "Old",
        "CS8936",
        LanguageVersion.CSharp10);

    [Fact]
    public void A_file_local_type_is_refused() => AssertRefused(
        GeneratorHarness.Usings + """
        file static partial class FileAudits
        {
            [AuditEvent("file_local", Endpoint = "/x")] public static partial void FileLocal(AuditLogger audit, string requestId);
        }
        """,
        "INFAUD019",
        "FileLocal",
        "CS0759");

    [Fact]
    public void A_params_span_keeps_params()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public static partial class Audits
            {
                [AuditEvent("spelled", Endpoint = "/x")] public static partial void Spelled(AuditLogger audit, string requestId, params ReadOnlySpan<char> chars);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => Audits.Spelled(audit, "r", 'a', 'b', 'c');
            }
            """);

        AssertLines(new[] { Line("spelled", ",\"chars\":\"abc\"") }, lines);
    }

    [Fact]
    public void Parameters_named_like_generated_locals_do_not_collide()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public static partial class Audits
            {
                [AuditEvent("locals", Endpoint = "/x", Details = "{__w}/{__max}")]
                public static partial void Locals(AuditLogger __logger, string requestId, int __w, long __max, [AuditField("options")] string __options, [AuditField("w3")] bool ___w);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => Audits.Locals(audit, "r", 1, 2, "o", true);
            }
            """);

        AssertLines(new[] { Line("locals", ",\"details\":\"1/2\",\"options\":\"o\",\"w3\":true") }, lines);
    }

    [Theory]
    [InlineData("namespace UserAssembly { internal static class AuditEventCatalog { } }", "UserAssembly.AuditEventCatalog1")]
    [InlineData("public static class UserAssembly { }", "InfernumAuditCatalog.UserAssembly.AuditEventCatalog")]
    [InlineData("public static class UserAssembly { } public static class InfernumAuditCatalog { }", "InfernumAuditCatalog1.UserAssembly.AuditEventCatalog")]
    public void The_catalog_never_collides_with_a_user_type(string userTypes, string catalog)
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(GeneratorHarness.Usings + userTypes + """

            public static partial class Audits
            {
                [AuditEvent("placed", Endpoint = "/x")] public static partial void Placed(AuditLogger audit, string requestId);
            }
            """));

        Assert.Empty(outcome.WarningsAndErrors);
        Assert.NotNull(outcome.Output.GetTypeByMetadataName(catalog)?.GetMembers("JsonSchema").SingleOrDefault());
    }

    [Fact]
    public void Hint_names_stay_short_enough_for_a_file_name_and_distinct()
    {
        string segment = new('n', 60);
        string ns = string.Join(".", System.Linq.Enumerable.Repeat(segment, 5));
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(GeneratorHarness.Usings + $$"""
            namespace {{ns}}.One { public static partial class Audits { [AuditEvent("long_one", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId); } }
            namespace {{ns}}.Two { public static partial class Audits { [AuditEvent("long_two", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId); } }
            """));

        Assert.Empty(outcome.WarningsAndErrors);
        string[] hints = outcome.Run.Results.Single().GeneratedSources.Select(s => s.HintName).ToArray();
        Assert.Equal(3, hints.Distinct(System.StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(hints, h => Assert.True(System.Text.Encoding.UTF8.GetByteCount(h) < 200, h));
    }

    [Fact]
    public void Other_logger_homes_and_keyword_names_write_their_lines()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public static partial class StaticHome
            {
                public static AuditLogger? Shared { get; set; }
                [AuditEvent("static_home", Endpoint = "/x")] public static partial void M(string requestId);
            }
            public sealed partial record RecordHome(AuditLogger Audit)
            {
                [AuditEvent("record_home", Endpoint = "/x")] public partial void M(string requestId, int count);
            }
            public partial struct StructHome(AuditLogger audit)
            {
                [AuditEvent("struct_home", Endpoint = "/x")] public partial bool M(string requestId);
            }
            public abstract class Base { protected Base(AuditLogger audit) => Audit = audit; protected internal AuditLogger Audit { get; } }
            public sealed partial class Derived(AuditLogger audit) : Base(audit)
            {
                [AuditEvent("derived_home", Endpoint = "/x")] public partial void M(string requestId);
            }
            public static partial class @class
            {
                [AuditEvent("keyword_names", Endpoint = "/x", Details = "{event}/{int}")]
                public static partial void @checked(AuditLogger @this, string requestId, string @event, int @int, bool @bool);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    StaticHome.Shared = audit;
                    StaticHome.M("r");
                    new RecordHome(audit).M("r", 2);
                    new StructHome(audit).M("r");
                    new Derived(audit).M("r");
                    @class.@checked(audit, "r", "e", 7, true);
                }
            }
            """);

        AssertLines(
            new[]
            {
                Line("static_home"),
                Line("record_home", ",\"count\":2"),
                Line("struct_home"),
                Line("derived_home"),
                Line("keyword_names", ",\"details\":\"e/7\",\"bool\":true"),
            },
            lines);
    }

    // ---- Reported by the second round (issue 16, independent tester) ----

    [Theory]
    [InlineData("partial class P(AuditLogger audit) { [AuditEvent(\"a\", Endpoint = \"/x\")] public partial void Ev(string requestId, int audit); }")]
    [InlineData("partial class P(AuditLogger requestId) { [AuditEvent(\"a\", Endpoint = \"/x\")] public partial void Ev(string requestId); }")]
    [InlineData("partial class P(AuditLogger audit) { public int audit => 0; [AuditEvent(\"a\", Endpoint = \"/x\")] public partial void Ev(string requestId); }")]
    [InlineData("class B { public string audit = \"\"; } partial class P(AuditLogger audit) : B { [AuditEvent(\"a\", Endpoint = \"/x\")] public partial void Ev(string requestId); }")]
    [InlineData("partial class P<audit>(AuditLogger audit) { [AuditEvent(\"a\", Endpoint = \"/x\")] public partial void Ev(string requestId); }")]
    public void A_primary_constructor_logger_hidden_by_a_parameter_or_member_is_refused(string declaration)
    {
        string source = GeneratorHarness.Usings + declaration;
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(source));

        Diagnostic diagnostic = Assert.Single(outcome.Generator);
        Assert.Equal("INFAUD006", diagnostic.Id);
        Assert.Equal("Ev", Spanned(diagnostic, source));
        Assert.Contains("is hidden by", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Empty(outcome.InGeneratedCode);
        Assert.DoesNotContain(outcome.Compilation, d => d.Id == "CS0029");
    }

    [Fact]
    public void An_inherited_logger_hidden_with_new_in_the_event_type_is_read_through_base()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public abstract class Base { protected Base(AuditLogger audit) => Audit = audit; protected AuditLogger Audit { get; } }
            public sealed partial class Derived : Base
            {
                public Derived(AuditLogger audit) : base(audit) { }
                public new string Audit => "";
                [AuditEvent("hidden_home", Endpoint = "/x")] public partial void M(string requestId);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => new Derived(audit).M("r");
            }
            """);

        AssertLines(new[] { Line("hidden_home") }, lines);
    }

    [Fact]
    public void An_inherited_logger_hidden_by_a_type_in_between_is_refused() => AssertRefused(
        GeneratorHarness.Usings + """
            public abstract class Base { protected Base(AuditLogger audit) => Audit = audit; protected AuditLogger Audit { get; } }
            public abstract class Middle : Base { protected Middle(AuditLogger audit) : base(audit) { } public new string Audit => ""; }
            public sealed partial class Derived : Middle
            {
                public Derived(AuditLogger audit) : base(audit) { }
                [AuditEvent("hidden_home", Endpoint = "/x")] public partial void M(string requestId);
            }
            """,
        "INFAUD006",
        "M",
        "CS0029");

    [Fact]
    public void An_obsolete_logger_member_raises_no_warning_in_generated_code()
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(GeneratorHarness.Usings + """
            public sealed partial class Svc
            {
                [Obsolete("old")] private readonly AuditLogger? _a;
                [Obsolete("set through the obsolete field")] public Svc(AuditLogger a) => _a = a;
                [AuditEvent("obsolete_home", Endpoint = "/x")] public partial void M(string requestId);
            }
            public static class Probe
            {
                [Obsolete("calls the obsolete constructor")] public static void Run(AuditLogger audit) => new Svc(audit).M("r");
            }
            """));

        Assert.Empty(outcome.Generator);
        Assert.Empty(outcome.WarningsAndErrors);
        AssertLines(new[] { Line("obsolete_home") }, GeneratorHarness.Execute(outcome.Output));
    }

    [Fact]
    public void An_obsolete_as_error_logger_member_is_refused()
    {
        string source = GeneratorHarness.Usings + """
            public sealed partial class Svc
            {
                [Obsolete("old", true)] private readonly AuditLogger? _a;
                [Obsolete("set through the obsolete field", true)] public Svc(AuditLogger a) => _a = a;
                [AuditEvent("obsolete_home", Endpoint = "/x")] public partial void M(string requestId);
            }
            """;
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(source));

        Diagnostic diagnostic = Assert.Single(outcome.Generator);
        Assert.Equal(("INFAUD006", "M"), (diagnostic.Id, Spanned(diagnostic, source)));
        Assert.Contains("[Obsolete]", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Empty(outcome.InGeneratedCode);
        Assert.DoesNotContain(outcome.Compilation, d => d.Id == "CS0619");
    }

    [Theory]
    [InlineData("[Obsolete(\"x\")]")]
    [InlineData("[Obsolete(\"x\", true)]")]
    public void An_obsolete_enum_member_is_written_by_name_without_naming_it_in_code(string obsolete)
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public enum K : long { A = -3, OBSOLETE B = long.MinValue }
            public static partial class Audits
            {
                [AuditEvent("kinds", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId, K k);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    Audits.M(audit, "r", (K)(-3));
                    Audits.M(audit, "r", (K)long.MinValue);
                    Audits.M(audit, "r", (K)7);
                }
            }
            """.Replace("OBSOLETE", obsolete, System.StringComparison.Ordinal));

        AssertLines(new[] { Line("kinds", ",\"k\":\"a\""), Line("kinds", ",\"k\":\"b\""), Line("kinds", ",\"k\":7") }, lines);
    }

    [Fact]
    public void Native_integers_are_written_as_numbers()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public static partial class Audits
            {
                [AuditEvent("natives", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId, nint a, nuint b, nint? c, IntPtr d);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    Audits.M(audit, "r", -5, 7, null, 9);
                    Audits.M(audit, "r", nint.MinValue, nuint.MaxValue, 1, -1);
                }
            }
            """);

        string min = System.IntPtr.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string max = System.UIntPtr.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
        AssertLines(new[] { Line("natives", ",\"a\":-5,\"b\":7,\"d\":9"), Line("natives", ",\"a\":" + min + ",\"b\":" + max + ",\"c\":1,\"d\":-1") }, lines);
    }

    [Fact]
    public void Integers_beyond_64_bits_are_strings_in_the_line_and_in_the_catalog()
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(GeneratorHarness.Usings + """
            public static partial class Audits
            {
                [AuditEvent("wide", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId, Int128 big, nint native);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => Audits.M(audit, "r", Int128.MinValue, -1);
            }
            """));

        Assert.Empty(outcome.WarningsAndErrors);
        AssertLines(new[] { Line("wide", ",\"big\":\"-170141183460469231731687303715884105728\",\"native\":-1") }, GeneratorHarness.Execute(outcome.Output));
        string catalog = outcome.Run.Results.Single().GeneratedSources.Single(s => s.HintName.Contains("Catalog", System.StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("\\\"big\\\":{\\\"type\\\":\\\"string\\\"}", catalog, System.StringComparison.Ordinal);
        Assert.Contains("\\\"native\\\":{\\\"type\\\":\\\"integer\\\"}", catalog, System.StringComparison.Ordinal);
    }

    [Fact]
    public void An_AllowNull_reference_that_is_null_leaves_its_field_out()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            using System.Diagnostics.CodeAnalysis;
            public static partial class Audits
            {
                [AuditEvent("noted", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId, [AllowNull] string note, [AllowNull] Version version);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit)
                {
                    Audits.M(audit, "r", null, null);
                    Audits.M(audit, "r", "n", new Version(1, 2));
                }
            }
            """);

        AssertLines(new[] { Line("noted"), Line("noted", ",\"note\":\"n\",\"version\":\"1.2\"") }, lines);
    }

    [Fact]
    public void A_nullable_success_is_refused() => AssertRefused(
        GeneratorHarness.Usings + """
            public static partial class Audits
            {
                [AuditEvent("maybe", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId, bool? success);
            }
            """,
        "INFAUD008",
        "success",
        "CS0029");

    [Fact]
    public void An_IPAddress_subclass_is_a_client_address_as_it_is_a_field()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public sealed class Peer : System.Net.IPAddress { public Peer() : base(new byte[] { 10, 0, 0, 1 }) { } }
            public static partial class Audits
            {
                [AuditEvent("peered", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId, Peer? clientIp, Peer? peer);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => Audits.M(audit, "r", new Peer(), new Peer());
            }
            """);

        AssertLines(new[] { ",\"event_type\":\"peered\",\"request_id\":\"r\",\"client_ip\":\"10.0.0.1\",\"endpoint\":\"/x\",\"success\":true,\"peer\":\"10.0.0.1\"}" }, lines);
    }

    [Fact]
    public void A_lowercase_type_name_warns_only_at_the_users_declaration()
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(GeneratorHarness.Usings + """
            public static partial class audits
            {
                [AuditEvent("lower", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId);
            }
            """));

        Assert.Contains(outcome.Compilation, d => d.Id == "CS8981");
        Assert.Empty(outcome.InGeneratedCode);
    }

    [Fact]
    public void The_catalog_names_a_global_namespace_method_without_a_leading_dot()
    {
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(GeneratorHarness.Usings + """
            public static partial class Smoke
            {
                [AuditEvent("smoked", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId);
            }
            """));

        string catalog = outcome.Run.Results.Single().GeneratedSources.Single(s => s.HintName.Contains("Catalog", System.StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("Smoke.M", catalog, System.StringComparison.Ordinal);
        Assert.DoesNotContain(".Smoke.M", catalog, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Field_names_from_parameters_obey_the_rule_AuditField_obeys()
    {
        string[] lines = RunClean(GeneratorHarness.Usings + """
            public static partial class Audits
            {
                [AuditEvent("names", Endpoint = "/x")] public static partial void M(AuditLogger audit, string requestId, string прізвище, [AuditField("ім_я")] string name);
            }
            public static class Probe
            {
                public static void Run(AuditLogger audit) => Audits.M(audit, "r", "a", "b");
            }
            """);

        AssertLines(new[] { Line("names", ",\"прізвище\":\"a\",\"ім_я\":\"b\"") }, lines);
    }

    [Theory]
    [InlineData("_audit")]
    [InlineData("__max")]
    [InlineData("Прізвище_")]
    public void A_parameter_whose_derived_field_name_is_not_a_field_name_is_refused(string name) => AssertRefused(
        GeneratorHarness.Usings + "public static partial class Audits { [AuditEvent(\"names\", Endpoint = \"/x\")] public static partial void M(AuditLogger audit, string requestId, int " + name + "); }",
        "INFAUD016",
        name,
        "CS0029");
}
