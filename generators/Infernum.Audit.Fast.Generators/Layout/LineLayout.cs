using System.Collections.Generic;
using Infernum.Audit.Fast.Generators.Json;
using Infernum.Audit.Fast.Generators.Model;

namespace Infernum.Audit.Fast.Generators.Layout;

/// <summary>
/// One event's line after the timestamp, decided once: the steps that write it (<see cref="Ops"/>, read by the
/// emitter) and the fields it holds in line order (<see cref="Fields"/>, read by the catalog and its schema). Both
/// come from the same walk, so the catalog cannot disagree with what is written.
/// </summary>
/// <remarks>
/// <c>{"timestamp":"…"</c> comes first and <c>,"seq":N}</c> last, both written by the runtime; request_id, client_ip
/// and key_prefix are strings, so whichever of them is written last, the line is inside a string there: each closing
/// quote goes in front of the next field's name, one copy for both.
/// </remarks>
internal sealed class LineLayout
{
    private const string TimestampPattern = "^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}\\\\.\\\\d{7}Z$";

    private LineLayout(List<LineOp> ops, List<LineField> fields)
    {
        Ops = ops;
        Fields = fields;
    }

    /// <summary>The writing steps after the timestamp.</summary>
    public List<LineOp> Ops { get; }

    /// <summary>Every field of the line, <c>timestamp</c> first, in the order written (<c>seq</c> not included).</summary>
    public List<LineField> Fields { get; }

    /// <summary>The timestamp field as the catalog describes it.</summary>
    public static LineField Timestamp { get; } = new("timestamp", "string", true, null, TimestampPattern);

    public static LineLayout For(EventModel model)
    {
        var ops = new List<LineOp>();
        var fields = new List<LineField> { Timestamp, new("event_type", "string", true, model.EventName, null), new("request_id", "string", true, null, null) };
        ParameterModel? requestId = Find(model, FieldRole.RequestId);
        ParameterModel? clientIp = Find(model, FieldRole.ClientIp);
        ParameterModel? key = Find(model, FieldRole.Key);
        ParameterModel? endpoint = Find(model, FieldRole.Endpoint);
        ParameterModel? success = Find(model, FieldRole.Success);
        ParameterModel? details = Find(model, FieldRole.Details);

        ops.Add(LineOp.Literal(",\"event_type\":\"" + JsonText.Escape(model.EventName) + "\",\"request_id\":\""));
        ops.Add(LineOp.Value(requestId!));

        if (clientIp is not null)
        {
            fields.Add(new LineField("client_ip", "string", false, null, null));
            ops.Add(LineOp.When(Gate.LogClientIp, clientIp, LineOp.Literal("\",\"client_ip\":\""), LineOp.Value(clientIp)));
        }

        if (key is not null)
        {
            fields.Add(new LineField("key_prefix", "string", false, null, null));
            ops.Add(LineOp.When(Gate.LogKeyPrefix, key, LineOp.Literal("\",\"key_prefix\":\""), LineOp.KeyPrefix(key)));
        }

        fields.Add(new LineField("endpoint", "string", true, endpoint is not null ? null : model.Endpoint ?? string.Empty, null));
        ops.Add(LineOp.Literal("\",\"endpoint\":\""));
        ops.Add(endpoint is not null ? LineOp.Value(endpoint) : LineOp.Literal(JsonText.Escape(model.Endpoint ?? string.Empty)));

        fields.Add(new LineField("success", "boolean", true, success is not null ? null : model.Success ? "true" : "false", null));
        ops.Add(LineOp.Literal("\",\"success\":"));
        ops.Add(success is not null ? LineOp.Value(success) : LineOp.Literal(model.Success ? "true" : "false"));

        if (model.HasDetailsTemplate)
        {
            fields.Add(new LineField("details", "string", true, null, null));
            ops.Add(LineOp.Literal(",\"details\":\""));
            foreach (TemplatePart part in model.Details)
            {
                if (!part.IsHole)
                {
                    ops.Add(LineOp.Literal(JsonText.Escape(part.Text)));
                    continue;
                }

                // A hole's value is text inside the details string; a null one leaves the hole empty. The client's
                // address obeys LogClientIp here as in its own field: a template cannot bypass the switch.
                ParameterModel hole = FindByName(model, part.Text);
                Gate gate = hole.Role == FieldRole.ClientIp ? Gate.LogClientIp : IsOptional(hole) ? Gate.Present : Gate.None;
                LineOp value = LineOp.Value(hole, quoteEnumNames: false);
                ops.Add(gate == Gate.None ? value : LineOp.When(gate, hole, value));
            }

            ops.Add(LineOp.Literal("\""));
        }
        else if (details is not null)
        {
            fields.Add(new LineField("details", "string", false, null, null));
            ops.Add(LineOp.When(Gate.Present, details, LineOp.Literal(",\"details\":\""), LineOp.Value(details), LineOp.Literal("\"")));
        }

        foreach (ParameterModel parameter in model.Parameters)
        {
            if (parameter.Role == FieldRole.Redacted)
            {
                fields.Add(new LineField(parameter.JsonName, "string", !parameter.IsNullable, null, "^[0-9a-f]{12}$"));
                ops.Add(ExtraField(parameter));
            }
            else if (parameter.Role == FieldRole.Extra)
            {
                fields.Add(new LineField(parameter.JsonName, JsonType(parameter.Kind), !parameter.IsNullable, null, null));
                ops.Add(ExtraField(parameter));
            }
        }

        // Opt-in (AuditOptions.WriteTraceContext): the W3C ids of the current activity, after the event's own fields.
        // An event with a field of either name keeps it and gets none: a line never holds a name twice.
        if (!DeclaresTraceFields(model))
        {
            fields.Add(new LineField("trace_id", "string", false, null, "^[0-9a-f]{32}$"));
            fields.Add(new LineField("span_id", "string", false, null, "^[0-9a-f]{16}$"));
            ops.Add(LineOp.TraceContext());
        }

        return new LineLayout(ops, fields);
    }

    private static bool DeclaresTraceFields(EventModel model)
    {
        foreach (ParameterModel parameter in model.Parameters)
        {
            if (parameter.Role is FieldRole.Extra or FieldRole.Redacted && parameter.JsonName is "trace_id" or "span_id")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the value may be absent at run time (a null reference or an empty <c>Nullable&lt;T&gt;</c>).</summary>
    public static bool IsOptional(ParameterModel parameter)
        => parameter.IsNullableValueType
            || (parameter.IsNullable && parameter.Kind is ValueKind.String or ValueKind.Formattable or ValueKind.IPAddress);

    private static LineOp ExtraField(ParameterModel parameter)
    {
        string name = JsonText.Escape(parameter.JsonName);

        // An enum writes its own quotes: a defined value is a string (its name), an undefined one a number.
        bool quoted = parameter.Role == FieldRole.Redacted || (IsQuoted(parameter.Kind) && parameter.Kind != ValueKind.Enum);
        LineOp value = parameter.Role == FieldRole.Redacted ? LineOp.Fingerprint(parameter) : LineOp.Value(parameter, quoteEnumNames: true);
        LineOp[] field = quoted
            ? new[] { LineOp.Literal(",\"" + name + "\":\""), value, LineOp.Literal("\"") }
            : new[] { LineOp.Literal(",\"" + name + "\":"), value };
        return IsOptional(parameter) ? LineOp.When(Gate.Present, parameter, field) : LineOp.Group(field);
    }

    private static bool IsQuoted(ValueKind kind)
        => kind is not (ValueKind.Boolean or ValueKind.Signed or ValueKind.Unsigned or ValueKind.Single or ValueKind.Double or ValueKind.Decimal);

    /// <summary>The JSON type of a field, as JSON Schema names it; two types joined by <c>|</c>.</summary>
    private static string JsonType(ValueKind kind) => kind switch
    {
        ValueKind.Boolean => "boolean",
        ValueKind.Signed or ValueKind.Unsigned => "integer",
        ValueKind.Decimal => "number",
        ValueKind.Single or ValueKind.Double => "number|null",

        // A defined value is its name (a string), an undefined one its number.
        ValueKind.Enum => "string|integer",
        _ => "string",
    };

    private static ParameterModel? Find(EventModel model, FieldRole role)
    {
        foreach (ParameterModel parameter in model.Parameters)
        {
            if (parameter.Role == role)
            {
                return parameter;
            }
        }

        return null;
    }

    private static ParameterModel FindByName(EventModel model, string name)
    {
        foreach (ParameterModel parameter in model.Parameters)
        {
            if (parameter.Name == name || parameter.Name == "@" + name)
            {
                return parameter;
            }
        }

        throw new System.InvalidOperationException("The parser checked every hole names a parameter: " + name);
    }
}
