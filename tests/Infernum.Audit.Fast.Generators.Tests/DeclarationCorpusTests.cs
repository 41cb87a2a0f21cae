using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

/// <summary>
/// Every declaration shape C# allows for an event, compiled together in one compilation per setting (nullable on and
/// off, C# 11 and the latest): each shape is generated with no warning or error anywhere, or refused with exactly
/// the diagnostic it expects at its own code; no error is ever in generated code.
/// </summary>
public sealed class DeclarationCorpusTests
{
    /// <summary>One shape: its source (the namespace <c>NS</c> is replaced by a unique one), what it expects, and the oldest C# it needs.</summary>
    public sealed record Shape(string Name, string Source, string? Expected = null, LanguageVersion MinVersion = LanguageVersion.CSharp11);

    private const string E = """[AuditEvent("e_v", Endpoint = "/x")]""";

    public static readonly Shape[] Shapes =
    {
        new("static_class", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("bool_return", "namespace NS { public static partial class A { " + E + " public static partial bool M(AuditLogger audit, string requestId); } }"),
        new("no_access_modifier", "namespace NS { static partial class A { " + E + " static partial void M(AuditLogger audit, string requestId); } }"),
        new("private_static", "namespace NS { static partial class A { " + E + " private static partial void M(AuditLogger audit, string requestId); } }"),
        new("protected_internal", "namespace NS { public partial class A { " + E + " protected internal static partial void M(AuditLogger audit, string requestId); } }"),
        new("instance_field", "namespace NS { public sealed partial class A { private readonly AuditLogger _audit; public A(AuditLogger audit) => _audit = audit; " + E + " public partial void M(string requestId); } }"),
        new("instance_nullable_field", "namespace NS {\n#nullable enable\n public sealed partial class A { private AuditLogger? _audit; public void Set(AuditLogger a) => _audit = a; " + E + " public partial void M(string requestId); } }"),
        new("instance_property", "namespace NS { public sealed partial class A { public A(AuditLogger audit) => Audit = audit; public AuditLogger Audit { get; } " + E + " internal partial bool M(string requestId); } }"),
        new("static_field_instance_event", "namespace NS { public sealed partial class A { internal static AuditLogger Shared = null!; " + E + " public partial void M(string requestId); } }"),
        new("static_property_static_event", "namespace NS { public static partial class A { public static AuditLogger Shared { get; set; } = null!; " + E + " public static partial void M(string requestId); } }"),
        new("explicit_interface_logger", "namespace NS { public interface IHas { AuditLogger Audit { get; } } public static class L { public static AuditLogger Current = null!; } public sealed partial class A : IHas { AuditLogger IHas.Audit => L.Current; " + E + " public partial void M(string requestId); } }"),
        new("inherited_protected_property", "namespace NS { public abstract class B { protected B(AuditLogger audit) => Audit = audit; protected AuditLogger Audit { get; } } public sealed partial class A : B { public A(AuditLogger audit) : base(audit) { } " + E + " public partial void M(string requestId); } }"),
        new("inherited_private_field_is_not_used", "namespace NS { public abstract class B { private readonly AuditLogger _a; protected B(AuditLogger a) => _a = a; public AuditLogger Get() => _a; } public sealed partial class A : B { public A(AuditLogger audit) : base(audit) { } " + E + " public partial void M(string requestId); } }", "INFAUD006"),
        new("nested_types", "namespace NS { public partial class Outer { internal static partial class Inner { " + E + " internal static partial void M(AuditLogger audit, string requestId); } } }"),
        new("generic_container", "namespace NS { public static partial class A<T> where T : class { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("nested_generics", "namespace NS { public partial class Outer<T> { public static partial class Inner<U, V> { " + E + " public static partial void M(AuditLogger audit, string requestId); } } }"),
        new("type_parameter_named_like_a_local", "namespace NS { public static partial class A<__w> { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("record_class", "namespace NS { public sealed partial record A(AuditLogger Audit) { " + E + " public partial void M(string requestId); } }"),
        new("record_struct", "namespace NS { public readonly partial record struct A(AuditLogger Audit) { " + E + " public partial void M(string requestId); } }"),
        new("struct_field", "namespace NS { public partial struct A { private readonly AuditLogger _audit; public A(AuditLogger audit) => _audit = audit; " + E + " public readonly partial void M(string requestId); } }"),
        new("readonly_struct", "namespace NS { public readonly partial struct A { private readonly AuditLogger _audit; public A(AuditLogger audit) => _audit = audit; " + E + " public partial void M(string requestId); } }"),
        new("ref_struct", "namespace NS { public ref partial struct A { private readonly AuditLogger _audit; public A(AuditLogger audit) => _audit = audit; " + E + " public partial void M(string requestId, ReadOnlySpan<char> text); } }"),
        new("keyword_names", "namespace NS { public static partial class @class { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"{event} {int}\")] public static partial void @checked(AuditLogger @this, string requestId, string @event, int @int, bool @bool); } }"),
        new("overloads", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); [AuditEvent(\"overload_two\", Endpoint = \"/x\")] public static partial void M(AuditLogger audit, string requestId, int count); } }"),
        new("attribute_by_alias", "namespace NS { using Ev = Infernum.Audit.Fast.AuditEventAttribute; public static partial class A { [Ev(\"e_v\", Endpoint = \"/x\")] public static partial void M(AuditLogger audit, string requestId); } }"),
        new("attribute_fully_qualified", "namespace NS { public static partial class A { [global::Infernum.Audit.Fast.AuditEventAttribute(\"e_v\", Endpoint = \"/x\")] public static partial void M(global::Infernum.Audit.Fast.AuditLogger audit, string requestId); } }"),
        new("logger_by_alias", "namespace NS { using Log = Infernum.Audit.Fast.AuditLogger; public static partial class A { " + E + " public static partial void M(Log audit, string requestId); } }"),
        new("constants_in_attribute", "namespace NS { public static class R { public const string Name = \"e_v\"; public const string Path = \"/api/\" + \"x\"; } public static partial class A { private const string Hole = \"{userId}\"; [AuditEvent(R.Name, Endpoint = R.Path, Details = \"for \" + Hole, Success = !true)] public static partial void M(AuditLogger audit, string requestId, string userId); } }"),
        
        new("every_value_type", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, sbyte a, byte b, short c, ushort d, int e, uint f, long g, ulong h, float i, double j, decimal k, char l, bool m, Guid n, DateTime o, DateTimeOffset p, TimeSpan q); } }"),
        new("nullable_value_types", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, int? a, Guid? b, DateTime? c, bool? d, char? e, decimal? f, ulong? g); } }"),
        new("nullable_references", "namespace NS {\n#nullable enable\n public static partial class A { " + E + " public static partial void M(AuditLogger? audit, string requestId, string? note, Version? version, string? details); } }"),
        new("nullable_disabled_file", "#nullable disable\nnamespace NS { public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"{note}\")] public static partial void M(AuditLogger audit, string requestId, string note, [AuditRedact] string email, Version version, string clientIp); } }"),
        new("spans", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, ReadOnlySpan<char> chars, ReadOnlySpan<byte> utf8); } }"),
        new("scoped_span", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, scoped ReadOnlySpan<char> chars); } }"),
        new("redacted_span", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, [AuditRedact] ReadOnlySpan<char> email); } }"),
        new("formattable_struct", "namespace NS {\n#nullable enable\n public readonly struct Money : IUtf8SpanFormattable { public bool TryFormat(Span<byte> d, out int w, ReadOnlySpan<char> f, IFormatProvider? p) { w = 0; return true; } } public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"{price}\")] public static partial void M(AuditLogger audit, string requestId, Money cost, Money price, Money? maybe); } }"),
        new("formattable_class", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, Version version); } }"),
        new("ip_address_client", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, System.Net.IPAddress clientIp, System.Net.IPAddress peer); } }"),
        new("nullable_ip_address_client", "namespace NS {\n#nullable enable\n public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"from {clientIp}\")] public static partial void M(AuditLogger audit, string requestId, System.Net.IPAddress? clientIp); } }"),
        new("string_client_ip", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, string clientIp); } }"),
        new("key_and_redact", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, [AuditKey] string apiKey, [AuditRedact] string email, [AuditRedact(Name = \"card\")] string cardNumber); } }"),
        new("renamed_field", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, [AuditField(\"http_status\")] int status); } }"),
        new("seed_field_parameters", "namespace NS { public static partial class A { [AuditEvent(\"e_v\")] public static partial void M(AuditLogger audit, string requestId, string endpoint, bool success, string details); } }"),
        new("enum_int", "namespace NS { public enum K { One, TwoWords } public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, K kind, K? maybe); } }"),
        new("enum_every_underlying", "namespace NS { public enum A8 : sbyte { X = -1 } public enum B8 : byte { X } public enum A16 : short { X } public enum B16 : ushort { X } public enum B32 : uint { X } public enum A64 : long { X = long.MinValue } public enum B64 : ulong { X = ulong.MaxValue } public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"{a} {b}\")] public static partial void M(AuditLogger audit, string requestId, A8 a, B8 b, A16 c, B16 d, B32 e, A64 f, B64 g, B64? h); } }"),
        new("enum_flags_aliases_keywords", "namespace NS { [Flags] public enum F { None = 0, @class = 1, @event = 2, Both = 3, Alias = 3 } public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, F flags); } }"),
        new("enum_nested_in_generic", "namespace NS { public class Holder<T> { public enum Kind { One } } public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, Holder<int>.Kind kind); } }"),
        new("empty_enum", "namespace NS { public enum Nothing { } public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, Nothing nothing); } }"),
        new("extension_event", "namespace NS { public static partial class A { " + E + " public static partial void M(this AuditLogger audit, string requestId); } }"),
        new("default_values", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, int count = 3, string note = \"n\", K kind = K.One); public enum K { One } } }"),
        new("locals_as_parameter_names", "namespace NS { public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"{__w}\")] public static partial void M(AuditLogger __logger, string requestId, [AuditField(\"w\")] int __w, [AuditField(\"max\")] long __max, [AuditField(\"options\")] string __options, [AuditField(\"w3\")] int ___w, [AuditField(\"max3\")] int ___max); } }"),
        new("parameter_named_global_and_value", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, int global, int value, string @string); } }"),
        new("virtual_event", "namespace NS { public partial class A { protected A(AuditLogger audit) => Audit = audit; protected AuditLogger Audit { get; } " + E + " public virtual partial void M(string requestId); } }"),
        new("override_event", "namespace NS { public abstract class B { public abstract void M(AuditLogger audit, string requestId); } public sealed partial class A : B { " + E + " public sealed override partial void M(AuditLogger audit, string requestId); } }"),
        new("new_event_hiding", "namespace NS { public class B { public static void M(AuditLogger audit, string requestId) { } } public partial class A : B { " + E + " public static new partial void M(AuditLogger audit, string requestId); } }"),
        new("interface_implementation", "namespace NS { public interface IEvents { void M(string requestId); } public sealed partial class A : IEvents { public A(AuditLogger audit) => Audit = audit; public AuditLogger Audit { get; } " + E + " public partial void M(string requestId); } }"),
        new("method_impl_declared", "namespace NS { public static partial class A { " + E + " [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] public static partial void M(AuditLogger audit, string requestId); } }"),
        new("obsolete_event", "namespace NS { public static partial class A { " + E + " [Obsolete(\"use N\")] public static partial void M(AuditLogger audit, string requestId); } }"),
        new("global_namespace", "public static partial class GlobalAudits { " + E + " public static partial void M(AuditLogger audit, string requestId); }"),
        new("file_scoped_namespace", "namespace NS.FileScoped;\npublic static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); }"),
        new("unicode_names", "namespace NS { public static partial class Événements { " + E + " public static partial void Connexion(AuditLogger audit, string requestId, int durée); } }"),
        new("types_differing_in_case", "namespace NS { public static partial class Audits { " + E + " public static partial void M(AuditLogger audit, string requestId); } public static partial class AUDITS { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("types_cleaning_to_one_name", "namespace NS { public static partial class Audits<T> { " + E + " public static partial void M(AuditLogger audit, string requestId); } public static partial class Audits_T_ { " + E + " public static partial void M(AuditLogger audit, string requestId); } public static partial class Audits { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("namespaces_differing_in_case", "namespace NS.API { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); } } namespace NS.Api { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("user_type_named_like_the_catalog", "namespace UserAssembly { internal static class AuditEventCatalog { } } namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("template_escapes_and_braces", "namespace NS { public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/a\\\"b\", Details = \"{{literal}} \\t \\u2028 {userId} \\\"q\\\"\")] public static partial void M(AuditLogger audit, string requestId, string userId); } }"),
        new("many_parameters", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, int p1, int p2, int p3, int p4, int p5, int p6, int p7, int p8, int p9, int p10, string p11, string p12, string p13, string p14, string p15, long p16, long p17, long p18, long p19, long p20); } }"),
        new("static_event_in_instance_type", "namespace NS { public partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); } }"),
        new("inherited_logger_hidden_with_new", "namespace NS { public abstract class B { protected B(AuditLogger audit) => Audit = audit; protected AuditLogger Audit { get; } } public sealed partial class A : B { public A(AuditLogger audit) : base(audit) { } public new string Audit => \"\"; " + E + " public partial void M(string requestId); } }"),
        new("obsolete_logger_member", "namespace NS { public sealed partial class A { [Obsolete(\"old\")] internal static AuditLogger Shared = null!; " + E + " public partial void M(string requestId); } }"),
        new("obsolete_enum_members", "namespace NS { public enum K { A, [Obsolete(\"x\")] B, [Obsolete(\"y\", true)] C } public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, K k, K? maybe); } }"),
        new("native_integers", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, nint a, nuint b, nint? c, nuint? d); } }"),
        new("allow_null_references", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, [System.Diagnostics.CodeAnalysis.AllowNull] string note, [System.Diagnostics.CodeAnalysis.AllowNull] string details); } }"),
        new("ip_address_subclass", "namespace NS { public sealed class Peer : System.Net.IPAddress { public Peer() : base(0L) { } } public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, Peer clientIp, Peer peer); } }"),
        new("unicode_field_names", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, string прізвище, [AuditField(\"ім_я\")] string name); } }"),
        new("two_events_one_name_same_fields", "namespace NS { public static partial class A { [AuditEvent(\"same_v\", Endpoint = \"/x\")] public static partial void M(AuditLogger audit, string requestId, int count); [AuditEvent(\"same_v\", Endpoint = \"/x\")] public static partial void N(AuditLogger audit, string requestId, int count); } }"),

        // C# 12 and later.
        new("primary_constructor", "namespace NS { public sealed partial class A(AuditLogger audit) { " + E + " public partial void M(string requestId); } }", MinVersion: LanguageVersion.CSharp12),
        new("primary_constructor_other_part", "namespace NS { public sealed partial class A(AuditLogger audit) { public AuditLogger L => audit; } public sealed partial class A { " + E + " public partial void M(string requestId); } }", MinVersion: LanguageVersion.CSharp12),
        new("primary_constructor_alias", "namespace NS { using Log = Infernum.Audit.Fast.AuditLogger; public sealed partial class A(Log audit) { " + E + " public partial void M(string requestId); } }", MinVersion: LanguageVersion.CSharp12),
        new("primary_constructor_passed_to_base", "namespace NS { public abstract class B(AuditLogger audit) { protected AuditLogger Audit { get; } = audit; } public sealed partial class A(AuditLogger audit) : B(audit) { " + E + " public partial void M(string requestId); } }", MinVersion: LanguageVersion.CSharp12),
        new("primary_constructor_struct", "namespace NS { public partial struct A(AuditLogger audit) { " + E + " public partial void M(string requestId); } }", MinVersion: LanguageVersion.CSharp12),
        new("primary_constructor_in_an_initializer", "namespace NS { public sealed partial class A(AuditLogger audit) { private readonly string _name = audit.ToString()!; public string Name => _name; " + E + " public partial void M(string requestId); } }", "INFAUD006", LanguageVersion.CSharp12),
        new("primary_constructor_beside_a_private_base_member_of_its_name", "namespace NS { public class B { private int audit = 0; public int Get() => audit; } public sealed partial class A(AuditLogger audit) : B { " + E + " public partial void M(string requestId); } }", MinVersion: LanguageVersion.CSharp12),
        new("inherited_logger_beside_a_private_member_of_its_name_in_between", "namespace NS { public abstract class B { protected B(AuditLogger audit) => Audit = audit; protected AuditLogger Audit { get; } } public abstract class C : B { protected C(AuditLogger audit) : base(audit) { } private new string Audit => \"\"; public string Get() => Audit; } public sealed partial class A : C { public A(AuditLogger audit) : base(audit) { } " + E + " public partial void M(string requestId); } }"),
        new("primary_constructor_hidden_by_a_parameter", "namespace NS { public sealed partial class A(AuditLogger audit) { " + E + " public partial void M(string requestId, int audit); } }", "INFAUD006", LanguageVersion.CSharp12),
        new("primary_constructor_hidden_by_a_member", "namespace NS { public sealed partial class A(AuditLogger audit) { public int audit => 0; " + E + " public partial void M(string requestId); } }", "INFAUD006", LanguageVersion.CSharp12),
        new("primary_constructor_kept_in_a_field", "namespace NS { public sealed partial class A(AuditLogger audit) { private readonly AuditLogger _audit = audit; " + E + " public partial void M(string requestId); } }", MinVersion: LanguageVersion.CSharp12),
        new("params_span", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, params ReadOnlySpan<char> chars); } }", MinVersion: LanguageVersion.CSharp13),

        // Refused, each with its own diagnostic at the user's code.
        new("user_type_named_AuditLogger", "namespace NS { public class AuditLogger { } public partial class A { public AuditLogger L = new(); " + E + " public partial void M(string requestId); } }", "INFAUD006"),
        new("static_event_instance_logger", "namespace NS { public partial class A { public AuditLogger L = null!; " + E + " public static partial void M(string requestId); } }", "INFAUD006"),
        new("logger_in_template", "namespace NS { public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"by {audit}\")] public static partial void M(AuditLogger audit, string requestId); } }", "INFAUD021"),
        new("hole_without_parameter", "namespace NS { public static partial class A { [AuditEvent(\"e_v\", Endpoint = \"/x\", Details = \"by {user}\")] public static partial void M(AuditLogger audit, string requestId, string userId); } }", "INFAUD009"),
        new("local_function", "namespace NS { public static class A { public static void Run() { [AuditEvent(\"e_v\", Endpoint = \"/x\")] static void Local(AuditLogger audit, string requestId) { } Local(null!, \"r\"); } } }", "INFAUD020"),
        new("file_local_type", "namespace NS { file static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); } }", "INFAUD019"),
        new("outer_not_partial", "namespace NS { public class Outer { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); } } }", "INFAUD022"),
        new("implementation_written_by_the_user", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); public static partial void M(AuditLogger audit, string requestId) { } } }", "INFAUD002"),
        new("params_array", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, params string[] tags); } }", "INFAUD008"),
        new("type_parameter_value", "namespace NS { public static partial class A<T> where T : IUtf8SpanFormattable { " + E + " public static partial void M(AuditLogger audit, string requestId, T value); } }", "INFAUD008"),
        new("ref_return", "namespace NS { public static partial class A { " + E + " public static partial ref bool M(AuditLogger audit, string requestId); } }", "INFAUD003"),
        new("in_parameter", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, in int count); } }", "INFAUD005"),
        new("built_in_event_type", "namespace NS { public static partial class A { [AuditEvent(AuditEventType.KeyCreated, Endpoint = \"/keys\")] public static partial void M(AuditLogger audit, string requestId); } }", "INFAUD012"),
        new("built_in_event_name_as_text", "namespace NS { public static partial class A { [AuditEvent(\"auth_failure\", Endpoint = \"/af\")] public static partial void M(AuditLogger audit, string requestId, [AuditKey] string key); } }", "INFAUD012"),
        new("inherited_logger_hidden_in_between", "namespace NS { public abstract class B { protected B(AuditLogger audit) => Audit = audit; protected AuditLogger Audit { get; } } public abstract class C : B { protected C(AuditLogger audit) : base(audit) { } public new string Audit => \"\"; } public sealed partial class A : C { public A(AuditLogger audit) : base(audit) { } " + E + " public partial void M(string requestId); } }", "INFAUD006"),
        new("obsolete_as_error_logger_member", "namespace NS { public sealed partial class A { [Obsolete(\"old\", true)] internal static AuditLogger Shared = null!; " + E + " public partial void M(string requestId); } }", "INFAUD006"),
        new("obsolete_as_error_interface_logger", "namespace NS { public interface IHas { [Obsolete(\"old\", true)] AuditLogger Audit { get; } } public static class L { public static AuditLogger Current = null!; } public sealed partial class A : IHas { AuditLogger IHas.Audit => L.Current; " + E + " public partial void M(string requestId); } }", "INFAUD006"),
        new("extern_with_a_defining_part", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId); [System.Runtime.InteropServices.DllImport(\"nothing\")] public static extern partial void M(AuditLogger audit, string requestId); } }", "INFAUD002"),
        new("obsolete_as_error_getter_logger", "namespace NS { public sealed partial class A { internal static AuditLogger Shared { [Obsolete(\"old\", true)] get; set; } = null!; " + E + " public partial void M(string requestId); } }", "INFAUD006"),
        new("variable_argument_list", "namespace NS { public static partial class A { " + E + " static partial void M(AuditLogger audit, string requestId, __arglist); } }", "INFAUD005"),
        new("nullable_success", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, bool? success); } }", "INFAUD008"),
        new("underscore_parameter_name", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, int _count); } }", "INFAUD016"),
        new("secret_in_a_number", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, int pin); } }", "INFAUD014"),
        new("secret_verbatim", "namespace NS { public static partial class A { " + E + " public static partial void M(AuditLogger audit, string requestId, string jwt); } }", "INFAUD014"),
    };

    public static TheoryData<bool, LanguageVersion> Settings() => new()
    {
        { true, LanguageVersion.CSharp11 },
        { false, LanguageVersion.CSharp11 },
        { true, LanguageVersion.Latest },
        { false, LanguageVersion.Latest },
    };

    [Fact]
    public void The_corpus_has_at_least_60_shapes_for_CSharp_11()
    {
        Assert.True(Shapes.Count(s => s.MinVersion <= LanguageVersion.CSharp11) >= 60, Shapes.Length + " shapes");
        Assert.Equal(Shapes.Length, Shapes.Select(s => s.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Every_shape_is_generated_exactly_or_refused_with_its_own_diagnostic(bool nullable, LanguageVersion version)
    {
        Shape[] shapes = Shapes.Where(s => s.MinVersion <= version.MapSpecifiedToEffectiveVersion()).ToArray();
        // Each shape gets its own namespace and event names (one name means one line shape across the assembly).
        string[] sources = shapes.Select((s, i) => GeneratorHarness.Usings + s.Source
            .Replace("NS", "Corpus.S" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + "_" + s.Name, StringComparison.Ordinal)
            .Replace("\"e_v\"", "\"e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"", StringComparison.Ordinal)).ToArray();
        GeneratorHarness.Outcome outcome = GeneratorHarness.Generate(GeneratorHarness.Compile(
            version, nullable ? NullableContextOptions.Enable : NullableContextOptions.Disable, checkOverflow: true, sources));

        var problems = new List<string>();
        foreach (Diagnostic diagnostic in outcome.InGeneratedCode)
        {
            problems.Add("in generated code: " + diagnostic);
        }

        for (int i = 0; i < shapes.Length; i++)
        {
            string path = "Source" + i + ".cs";
            Diagnostic[] generator = outcome.Generator.Where(d => d.Location.GetLineSpan().Path == path).ToArray();
            Diagnostic[] compiler = outcome.Compilation
                .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath == path)
                // A refused method with an access modifier has no body (CS8795), and a primary-constructor logger only the
                // generated body would have read stays unread (CS9113).
                .Where(d => !(shapes[i].Expected is not null && d.Id is "CS8795" or "CS9113"))
                .ToArray();
            string[] generatorIds = generator.Select(d => d.Id).Distinct().ToArray();
            string[] expected = shapes[i].Expected is { } id ? new[] { id } : Array.Empty<string>();
            if (!generatorIds.SequenceEqual(expected) || compiler.Length > 0)
            {
                problems.Add(shapes[i].Name + ": expected [" + string.Join(", ", expected) + "], generator said [" + string.Join("; ", generator.Select(d => d.ToString())) + "], compiler said [" + string.Join("; ", compiler.Select(d => d.ToString())) + "]");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(shapes.Length >= 60, shapes.Length + " shapes");
    }
}
