using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Infernum.Audit.Fast.Generators.Helpers;
using Infernum.Audit.Fast.Generators.Json;
using Infernum.Audit.Fast.Generators.Layout;
using Infernum.Audit.Fast.Generators.Model;

namespace Infernum.Audit.Fast.Generators;

public sealed partial class AuditEventGenerator
{
    /// <summary>Model in, C# out: one file per containing type, events in a deterministic order.</summary>
    internal static class Emitter
    {
        internal const string GeneratorVersion = "0.1.0.0";
        private const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCodeAttribute(\"Infernum.Audit.Fast.Generators\", \"" + GeneratorVersion + "\")]";
        private const string NoInlining = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]";
        private const string Writer = "global::Infernum.Audit.Fast.AuditLineWriter";

        /// <summary>One source file per containing type: its hint name and text.</summary>
        public static List<(string HintName, string Source)> Emit(ImmutableArray<EventModel> events)
        {
            SortedDictionary<string, List<EventModel>> groups = GroupByType(events);
            Dictionary<string, string> hintNames = HintNames(groups);
            var files = new List<(string HintName, string Source)>(groups.Count);
            foreach (KeyValuePair<string, List<EventModel>> group in groups)
            {
                files.Add((hintNames[group.Key], EmitType(group.Value)));
            }

            return files;
        }

        /// <summary>Events grouped by their containing type's exact identity, in a deterministic order.</summary>
        internal static SortedDictionary<string, List<EventModel>> GroupByType(ImmutableArray<EventModel> events)
        {
            var groups = new SortedDictionary<string, List<EventModel>>(System.StringComparer.Ordinal);
            foreach (EventModel model in events)
            {
                if (!groups.TryGetValue(model.TypeIdentity, out List<EventModel>? list))
                {
                    groups[model.TypeIdentity] = list = new List<EventModel>();
                }

                list.Add(model);
            }

            foreach (List<EventModel> list in groups.Values)
            {
                // Overloads with as many parameters are ordered by where they are declared: List.Sort is not stable.
                list.Sort(static (a, b) =>
                {
                    int byName = System.StringComparer.Ordinal.Compare(a.MethodName + "/" + a.Parameters.Count, b.MethodName + "/" + b.Parameters.Count);
                    return byName != 0 ? byName : System.StringComparer.Ordinal.Compare(DeclarationOrder(a), DeclarationOrder(b));
                });
            }

            return groups;
        }

        private const int MaxStemLength = 120;

        internal static string DeclarationOrder(EventModel model)
            => (model.Location?.FilePath ?? string.Empty) + ":" + (model.Location?.Span.Start ?? 0).ToString("D10", CultureInfo.InvariantCulture);

        /// <summary>
        /// One hint name per type, unique even where the file system or the compiler would not tell two apart: names
        /// that differ only in case (<c>Shop.API</c>, <c>Shop.Api</c>) or that clean to the same text (<c>Audits&lt;T&gt;</c>,
        /// <c>Audits_T_</c>) get a suffix from their exact identity, so two files never share a name (CS8785).
        /// </summary>
        internal static Dictionary<string, string> HintNames(SortedDictionary<string, List<EventModel>> groups)
        {
            var stems = new Dictionary<string, string>(System.StringComparer.Ordinal);
            var uses = new Dictionary<string, int>(System.StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, List<EventModel>> group in groups)
            {
                // A long name is cut (with its identity's hash) so that the file, when written to disk
                // (EmitCompilerGeneratedFiles), stays within the 255-byte file name limit of common file systems.
                string stem = CleanHintName(group.Value[0].TypeKey);
                if (stem.Length > MaxStemLength)
                {
                    stem = stem.Substring(0, MaxStemLength) + "_" + StableHash(group.Key);
                }

                stems[group.Key] = stem;
                uses[stem] = uses.TryGetValue(stem, out int count) ? count + 1 : 1;
            }

            var names = new Dictionary<string, string>(System.StringComparer.Ordinal);
            var taken = new HashSet<string>(System.StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, string> entry in stems)
            {
                string stem = uses[entry.Value] > 1 ? entry.Value + "_" + StableHash(entry.Key) : entry.Value;
                string name = stem;
                for (int n = 2; !taken.Add(name); n++)
                {
                    name = stem + "_" + n.ToString(CultureInfo.InvariantCulture);
                }

                names[entry.Key] = name + ".AuditEvents.g.cs";
            }

            return names;
        }

        private static string CleanHintName(string typeKey)
        {
            var builder = new StringBuilder(typeKey.Length);
            foreach (char c in typeKey.TrimStart('.'))
            {
                builder.Append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ? c : '_');
            }

            return builder.ToString();
        }

        // FNV-1a over UTF-16 code units: the same on every machine and run (string.GetHashCode is randomized).
        private static string StableHash(string text)
        {
            uint hash = 2166136261;
            foreach (char c in text)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash.ToString("x8", CultureInfo.InvariantCulture);
        }

        internal static string EmitType(List<EventModel> events)
        {
            EventModel first = events[0];
            var writer = new SourceWriter();
            writer.WriteLine("// <auto-generated/>");
            writer.WriteLine("#nullable enable");

            // The generated part names what the user declared: an [Obsolete] logger member or parameter type (CS0612,
            // CS0618; an error-level one is refused by the parser, CS0619 cannot be suppressed) and a lowercase type
            // name (CS8981), each already reported once at the user's own declaration.
            writer.WriteLine("#pragma warning disable CS0612, CS0618, CS8981");
            writer.WriteLine();
            if (first.Namespace is not null)
            {
                writer.OpenBlock("namespace " + first.Namespace);
            }

            foreach (TypeDeclarationModel type in first.ContainingTypes)
            {
                // 'ref' must come before 'partial' (CS1585).
                writer.OpenBlock((type.Keyword == "ref struct" ? "ref partial struct" : "partial " + type.Keyword) + " " + type.Name);
            }

            for (int i = 0; i < events.Count; i++)
            {
                if (i > 0)
                {
                    writer.WriteLine();
                }

                EmitMethod(writer, events[i]);
            }

            for (int i = 0; i < first.ContainingTypes.Count; i++)
            {
                writer.CloseBlock();
            }

            if (first.Namespace is not null)
            {
                writer.CloseBlock();
            }

            return writer.ToString();
        }

        /// <summary>
        /// Names of the generated body's locals: <c>__logger</c>, <c>__options</c>, <c>__max</c>, <c>__w</c>, with one more
        /// leading underscore while any of them would be a parameter's name or the logger expression's.
        /// </summary>
        private sealed class Locals
        {
            public Locals(EventModel model)
            {
                var used = new HashSet<string>(System.StringComparer.Ordinal) { model.LoggerExpression };
                foreach (ParameterModel parameter in model.Parameters)
                {
                    used.Add(parameter.Name.TrimStart('@'));
                }

                string prefix = "__";
                while (used.Contains(prefix + "logger") || used.Contains(prefix + "options") || used.Contains(prefix + "max") || used.Contains(prefix + "w") || used.Contains(prefix + "accepted"))
                {
                    prefix += "_";
                }

                Logger = prefix + "logger";
                Options = prefix + "options";
                Max = prefix + "max";
                W = prefix + "w";
                Accepted = prefix + "accepted";
            }

            public string Logger { get; }

            public string Options { get; }

            public string Max { get; }

            public string W { get; }

            public string Accepted { get; }
        }

        private static void EmitMethod(SourceWriter writer, EventModel model)
        {
            var signature = new List<string>();
            foreach (ParameterModel parameter in model.Parameters)
            {
                signature.Add(parameter.Modifiers + parameter.Type + " " + parameter.Name);
            }

            var locals = new Locals(model);
            string returnType = model.ReturnsBool ? "bool" : "void";
            string rejected = model.ReturnsBool ? "return false;" : "return;";
            string accepted = model.ReturnsBool ? "return true;" : "return;";

            writer.WriteLine(GeneratedCode);
            if (!model.DeclaresMethodImpl)
            {
                // Inlined into a small caller, the body would exhaust the JIT's inlining budget for that caller and its
                // own helpers (the line writer's calls) would stay calls.
                writer.WriteLine(NoInlining);
            }

            writer.OpenBlock(model.Modifiers + " " + returnType + " " + model.MethodName + "(" + string.Join(", ", signature) + ")");
            if (model.LoggerMayBeNull)
            {
                writer.WriteLine("global::Infernum.Audit.Fast.AuditLogger? " + locals.Logger + " = " + model.LoggerExpression + ";");
                writer.OpenBlock("if (" + locals.Logger + " is null)");
                writer.WriteLine(rejected);
                writer.CloseBlock();
                writer.WriteLine();
            }
            else
            {
                writer.WriteLine("global::Infernum.Audit.Fast.AuditLogger " + locals.Logger + " = " + model.LoggerExpression + ";");
            }

            writer.WriteLine("global::Infernum.Audit.Fast.AuditOptions " + locals.Options + " = " + locals.Logger + ".Options;");
            writer.OpenBlock("if (!" + locals.Options + ".Enabled)");
            writer.WriteLine(accepted);
            writer.CloseBlock();
            writer.WriteLine();

            List<LineOp> ops = LineLayout.For(model).Ops;
            var bound = new List<string>();
            int constantBytes = 0;
            CollectBound(ops, locals, ref constantBytes, bound);
            bound.Insert(0, constantBytes.ToString(CultureInfo.InvariantCulture) + "L");
            writer.WriteLine("long " + locals.Max + " = " + string.Join(" + ", bound) + ";");
            writer.OpenBlock("if (!" + locals.Logger + ".TryBeginLine(" + locals.Max + ", out " + Writer + " " + locals.W + "))");
            writer.WriteLine(rejected);
            writer.CloseBlock();
            writer.WriteLine();
            // A bool event returns what EndLine says: false when the line was not published after all (a value that
            // did not fit its bound or failed to format), not merely when TryBeginLine refused it.
            string endLine = locals.Logger + ".EndLine(ref " + locals.W + ");";
            if (RunsUserCode(ops))
            {
                // A value's own formatting code may throw: the line is then dropped, and its reservation released.
                if (model.ReturnsBool)
                {
                    writer.WriteLine("bool " + locals.Accepted + ";");
                }

                writer.OpenBlock("try");
                EmitOps(writer, ops, locals);
                writer.WriteLine(locals.W + ".Commit();");
                writer.CloseBlock();
                writer.OpenBlock("finally");
                writer.WriteLine(model.ReturnsBool ? locals.Accepted + " = " + endLine : endLine);
                writer.CloseBlock();
                if (model.ReturnsBool)
                {
                    writer.WriteLine();
                    writer.WriteLine("return " + locals.Accepted + ";");
                }
            }
            else
            {
                // Only the runtime's writers run, which cannot throw within the reserved bound: no handler, so the
                // line's writer stays in registers.
                EmitOps(writer, ops, locals);
                writer.WriteLine(locals.W + ".Commit();");
                writer.WriteLine(model.ReturnsBool ? "return " + endLine : endLine);
            }

            writer.CloseBlock();
        }

        // Whether writing the line calls code outside the runtime's writers: a formattable value's TryFormat, or the
        // fingerprint's HMAC.
        private static bool RunsUserCode(List<LineOp> ops)
        {
            foreach (LineOp op in ops)
            {
                bool runs = op.Kind switch
                {
                    OpKind.Fingerprint => true,
                    OpKind.Value => op.Parameter!.Kind == ValueKind.Formattable,
                    OpKind.Group or OpKind.When => RunsUserCode(op.Children!),
                    _ => false,
                };

                if (runs)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The most bytes a value can take: a constant, or null when it depends on the argument (see <see cref="BoundTerm"/>).</summary>
        private static int? ConstantBound(ParameterModel parameter) => parameter.Kind switch
        {
            ValueKind.Char => 6,
            ValueKind.Boolean => 5,
            ValueKind.Signed or ValueKind.Unsigned => 20,
            ValueKind.Single or ValueKind.Double => 32,
            ValueKind.Decimal => 40,
            ValueKind.Guid => 36,
            ValueKind.DateTime or ValueKind.DateTimeOffset => 33,
            ValueKind.TimeSpan => 26,
            ValueKind.Enum => EnumBound(parameter),
            _ => null,
        };

        private static int EnumBound(ParameterModel parameter)
        {
            int bound = 20; // an undefined value is written as its number: at most 20 characters (long.MinValue, ulong.MaxValue)
            foreach (EnumMemberModel member in parameter.EnumMembers)
            {
                bound = System.Math.Max(bound, JsonText.Utf8Length(JsonText.Escape(member.WireName)) + 2);
            }

            return bound;
        }

        // Bounds the runtime defines are referenced, not repeated: the compiler folds the constants.
        private static string BoundTerm(ParameterModel parameter)
            => parameter.Kind switch
            {
                ValueKind.Formattable => Writer + ".MaxFormattableBytes",
                ValueKind.IPAddress => Writer + ".MaxIPAddressBytes",
                _ => Writer + ".MaxBytes(" + parameter.Name + ")",
            };

        private static void CollectBound(List<LineOp> ops, Locals locals, ref int constantBytes, List<string> terms)
        {
            foreach (LineOp op in ops)
            {
                switch (op.Kind)
                {
                    case OpKind.Literal:
                        constantBytes += JsonText.Utf8Length(op.Text);
                        break;
                    case OpKind.KeyPrefix:
                        terms.Add(Writer + ".MaxKeyPrefixBytes(" + op.Parameter!.Name + ", " + locals.Options + ".KeyPrefixLength)");
                        break;
                    case OpKind.Fingerprint:
                        terms.Add(Writer + ".FingerprintLength");
                        break;
                    case OpKind.TraceContext:
                        terms.Add(Writer + ".MaxTraceContextBytes");
                        break;
                    case OpKind.Value:
                        if (ConstantBound(op.Parameter!) is int bound)
                        {
                            constantBytes += bound;
                        }
                        else
                        {
                            terms.Add(BoundTerm(op.Parameter!));
                        }

                        break;
                    default:
                        CollectBound(op.Children!, locals, ref constantBytes, terms);
                        break;
                }
            }
        }

        private static void EmitOps(SourceWriter writer, List<LineOp> ops, Locals locals)
        {
            var literal = new StringBuilder();
            EmitOps(writer, ops, locals, literal);
            FlushLiteral(writer, locals, literal);
        }

        // Adjacent literals, across unconditional groups, become one copy.
        private static void EmitOps(SourceWriter writer, List<LineOp> ops, Locals locals, StringBuilder literal)
        {
            foreach (LineOp op in ops)
            {
                switch (op.Kind)
                {
                    case OpKind.Literal:
                        literal.Append(op.Text);
                        continue;
                    case OpKind.Group:
                        EmitOps(writer, op.Children!, locals, literal);
                        continue;
                }

                FlushLiteral(writer, locals, literal);
                switch (op.Kind)
                {
                    case OpKind.KeyPrefix:
                        writer.WriteLine(locals.W + ".WriteKeyPrefix(" + op.Parameter!.Name + ", " + locals.Options + ".KeyPrefixLength);");
                        break;
                    case OpKind.Fingerprint:
                        writer.WriteLine(locals.W + ".WriteFingerprint(" + op.Parameter!.Name + ", " + locals.Options + ");");
                        break;
                    case OpKind.TraceContext:
                        writer.WriteLine(locals.W + ".WriteTraceContext(" + locals.Options + ");");
                        break;
                    case OpKind.Value:
                        EmitValue(writer, op, locals);
                        break;
                    case OpKind.When:
                        writer.OpenBlock("if (" + Condition(op, locals) + ")");
                        EmitOps(writer, op.Children!, locals);
                        writer.CloseBlock();
                        break;
                }
            }
        }

        private static string Condition(LineOp op, Locals locals)
        {
            ParameterModel parameter = op.Parameter!;
            string present = parameter.IsNullableValueType ? parameter.Name + ".HasValue" : parameter.Name + " is not null";
            return op.Gate switch
            {
                Gate.LogClientIp => locals.Options + ".LogClientIp && " + present,
                Gate.LogKeyPrefix => locals.Options + ".LogKeyPrefix && " + present,
                _ => present,
            };
        }

        private static void EmitValue(SourceWriter writer, LineOp op, Locals locals)
        {
            ParameterModel parameter = op.Parameter!;
            string value = parameter.IsNullableValueType ? parameter.Name + ".GetValueOrDefault()" : parameter.Name;
            string? call = parameter.Kind switch
            {
                ValueKind.String or ValueKind.CharSpan => "WriteString",
                ValueKind.Utf8Span => "WriteUtf8String",
                ValueKind.Char => "WriteChar",
                ValueKind.Boolean => "WriteBoolean",
                ValueKind.Signed => "WriteInt64",
                ValueKind.Unsigned => "WriteUInt64",
                ValueKind.Single => "WriteSingle",
                ValueKind.Double => "WriteDouble",
                ValueKind.Decimal => "WriteDecimal",
                ValueKind.Guid => "WriteGuid",
                ValueKind.DateTime => "WriteDateTime",
                ValueKind.DateTimeOffset => "WriteDateTimeOffset",
                ValueKind.TimeSpan => "WriteTimeSpan",
                ValueKind.Formattable => "WriteFormattable",
                ValueKind.IPAddress => "WriteIPAddress",
                _ => null,
            };

            if (call is not null)
            {
                writer.WriteLine(locals.W + "." + call + "(" + value + ");");
                return;
            }

            // An enum is written by name, chosen at compile time; an undefined value as its number, converted through
            // its underlying type's sign so that no value overflows, in a checked build too.
            string quote = op.QuoteEnumNames ? "\"" : string.Empty;
            writer.OpenBlock("switch (" + value + ")");
            foreach (EnumMemberModel member in parameter.EnumMembers)
            {
                writer.WriteLine("case " + member.CaseLabel + ":");
                writer.WriteLine("    " + locals.W + ".WriteLiteral(" + JsonText.ToCSharpUtf8Literal(quote + JsonText.Escape(member.WireName) + quote) + ");");
                writer.WriteLine("    break;");
            }

            writer.WriteLine("default:");
            writer.WriteLine(parameter.EnumIsUnsigned
                ? "    " + locals.W + ".WriteUInt64(unchecked((ulong)" + value + "));"
                : "    " + locals.W + ".WriteInt64(unchecked((long)" + value + "));");
            writer.WriteLine("    break;");
            writer.CloseBlock();
        }

        private static void FlushLiteral(SourceWriter writer, Locals locals, StringBuilder literal)
        {
            if (literal.Length > 0)
            {
                writer.WriteLine(locals.W + ".WriteLiteral(" + JsonText.ToCSharpUtf8Literal(literal.ToString()) + ");");
                literal.Clear();
            }
        }
    }
}
