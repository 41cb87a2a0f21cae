using System.Linq;
using Infernum.Audit.Fast.Generators.Helpers;
using Infernum.Audit.Fast.Generators.Model;
using Infernum.Audit.Fast.Generators.Templates;
using Xunit;

namespace Infernum.Audit.Fast.Generators.Tests;

public sealed class DetailsTemplateTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("API key has expired", "'API key has expired'")]
    [InlineData("Required scope: {requiredScope}", "'Required scope: ' {requiredScope}")]
    [InlineData("{a}{b}", "{a} {b}")]
    [InlineData("Created key: {newKeyPrefix}...", "'Created key: ' {newKeyPrefix} '...'")]
    [InlineData("{{literal}} and {{{x}}}", "'{literal} and {' {x} '}'")]
    [InlineData("}}", "'}'")]
    [InlineData("{_under_score1}", "{_under_score1}")]
    public void Parses_text_and_holes(string template, string expected)
    {
        Assert.True(DetailsTemplate.TryParse(template, out EquatableArray<TemplatePart> parts, out string error, out _), error);
        Assert.Equal(expected, string.Join(" ", parts.Select(p => p.IsHole ? "{" + p.Text + "}" : "'" + p.Text + "'")));
    }

    [Theory]
    [InlineData("unclosed {a", 9)]
    [InlineData("empty {}", 6)]
    [InlineData("stray } brace", 6)]
    [InlineData("{not a name}", 0)]
    [InlineData("{1x}", 0)]
    [InlineData("{a:N2}", 0)]
    public void Rejects_malformed_templates_at_the_offending_offset(string template, int offset)
    {
        Assert.False(DetailsTemplate.TryParse(template, out _, out string error, out int errorOffset));
        Assert.Equal(offset, errorOffset);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("requestId", "request_id")]
    [InlineData("clientIp", "client_ip")]
    [InlineData("HTTPStatus", "http_status")]
    [InlineData("AuthSuccess", "auth_success")]
    [InlineData("modelID", "model_id")]
    [InlineData("tokens2Go", "tokens2_go")]
    [InlineData("already_snake", "already_snake")]
    public void Names_become_snake_case(string name, string expected) => Assert.Equal(expected, NameConvention.ToSnakeCase(name));

    [Fact]
    public void Finds_each_hole_at_the_offset_of_its_brace()
    {
        var holes = new System.Collections.Generic.List<(string Name, int Offset)>();
        DetailsTemplate.FindHoles("{{x}} {a} and {b_c}}}{d}", holes);
        Assert.Equal(new[] { ("a", 6), ("b_c", 14), ("d", 21) }, holes);
    }
}
