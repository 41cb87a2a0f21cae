using System.Collections.Generic;
using Infernum.Audit.Fast.Generators.Model;

namespace Infernum.Audit.Fast.Generators.Layout;

/// <summary>What a step of writing a line is.</summary>
internal enum OpKind
{
    /// <summary>Pre-escaped JSON text.</summary>
    Literal,

    /// <summary>A parameter's value.</summary>
    Value,

    /// <summary>The first characters of an <c>[AuditKey]</c> parameter.</summary>
    KeyPrefix,

    /// <summary>The keyed fingerprint of an <c>[AuditRedact]</c> parameter.</summary>
    Fingerprint,

    /// <summary>Children written together, always.</summary>
    Group,

    /// <summary>Children written only when a <see cref="Gate"/> holds.</summary>
    When,

    /// <summary>The opt-in <c>trace_id</c> and <c>span_id</c> of the current activity, decided at run time by the options in force.</summary>
    TraceContext,
}

/// <summary>The run-time condition of a <see cref="OpKind.When"/> step.</summary>
internal enum Gate
{
    None,

    /// <summary>The parameter is not null (has a value).</summary>
    Present,

    /// <summary>The parameter is present and <c>AuditOptions.LogClientIp</c> is on.</summary>
    LogClientIp,

    /// <summary>The parameter is present and <c>AuditOptions.LogKeyPrefix</c> is on.</summary>
    LogKeyPrefix,
}

/// <summary>One step of writing a line: literal text, a parameter's value, or a (conditional) group of steps.</summary>
internal sealed class LineOp
{
    private LineOp(OpKind kind, string text, ParameterModel? parameter, List<LineOp>? children, Gate gate, bool quoteEnumNames)
    {
        Kind = kind;
        Text = text;
        Parameter = parameter;
        Children = children;
        Gate = gate;
        QuoteEnumNames = quoteEnumNames;
    }

    public OpKind Kind { get; }

    /// <summary>Escaped JSON text, for a literal.</summary>
    public string Text { get; }

    /// <summary>The parameter written, or the one a gate tests.</summary>
    public ParameterModel? Parameter { get; }

    public List<LineOp>? Children { get; }

    public Gate Gate { get; }

    /// <summary>For an enum value: whether a defined value's name is written with its quotes (a field of its own) or bare (inside details).</summary>
    public bool QuoteEnumNames { get; }

    public static LineOp Literal(string escapedJson) => new(OpKind.Literal, escapedJson, null, null, Gate.None, false);

    public static LineOp Value(ParameterModel parameter, bool quoteEnumNames = false) => new(OpKind.Value, string.Empty, parameter, null, Gate.None, quoteEnumNames);

    public static LineOp KeyPrefix(ParameterModel parameter) => new(OpKind.KeyPrefix, string.Empty, parameter, null, Gate.None, false);

    public static LineOp Fingerprint(ParameterModel parameter) => new(OpKind.Fingerprint, string.Empty, parameter, null, Gate.None, false);

    public static LineOp Group(params LineOp[] children) => new(OpKind.Group, string.Empty, null, new List<LineOp>(children), Gate.None, false);

    public static LineOp When(Gate gate, ParameterModel parameter, params LineOp[] children) => new(OpKind.When, string.Empty, parameter, new List<LineOp>(children), gate, false);

    public static LineOp TraceContext() => new(OpKind.TraceContext, string.Empty, null, null, Gate.None, false);
}
