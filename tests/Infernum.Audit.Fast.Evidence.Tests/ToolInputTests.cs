using System;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Evidence.Notes;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// <c>infernum-audit verify</c> on input it cannot use: exit 2 and a message, never exit 1 (which says the file was
/// tampered with) and never an unhandled exception.
/// </summary>
public sealed class ToolInputTests : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/tool-input", 21);
    private readonly string _path;
    private string? _lastNote;

    public ToolInputTests()
    {
        _path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(_path, _key, 1500, checkpointLines: 500, onCheckpoint: c => _lastNote = c.Note);
    }

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void AKeyFileThatIsADirectory_IsUnusableInput()
    {
        (int code, _, string error) = Run("verify", _path, "--key-file", _folder);
        Assert.Equal(2, code);
        Assert.StartsWith("verify: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckpointThatIsADirectory_IsUnusableInput()
    {
        (int code, _, string error) = Run("verify", _path, "--key", _key.VerifierKey.ToString(), "--checkpoint", _folder);
        Assert.Equal(2, code);
        Assert.StartsWith("verify: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAuditPathThatIsADirectory_IsUnusableInput()
    {
        (int code, _, string error) = Run("verify", _folder, "--key", _key.VerifierKey.ToString());
        Assert.Equal(2, code);
        Assert.StartsWith("verify: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a note\n")]
    public void AMalformedCheckpointFile_IsUnusableInput_NotTampering(string text)
    {
        string note = Path.Combine(_folder, "shipped.note");
        File.WriteAllText(note, text);
        (int code, string output, string error) = Run("verify", _path, "--key", _key.VerifierKey.ToString(), "--checkpoint", note);
        Assert.Equal(2, code);
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
        Assert.Contains("shipped.note", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\n\n")]
    public void AShippedCheckpointSavedWithATrailingNewline_StillVerifies(string trailing)
    {
        // `echo "$note" > shipped.note`, or an editor, ends the file with one more newline than the note has.
        string note = Path.Combine(_folder, "shipped.note");
        File.WriteAllText(note, _lastNote!.Replace("\n", Environment.NewLine, StringComparison.Ordinal) + trailing);
        (int code, string output, string error) = Run("verify", _path, "--key", _key.VerifierKey.ToString(), "--checkpoint", note);
        Assert.True(code == 0, output + error);
    }

    [Theory]
    [InlineData("-1", "10")]
    [InlineData("10", "absent.note")]
    public void ConsistencyWithASizeOrNoteItCannotRead_IsUnusableInput(string older, string newer)
    {
        (int code, _, string error) = Run("consistency", _path, older, newer);
        Assert.Equal(2, code);
        Assert.StartsWith("consistency: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text\n\n")]
    [InlineData("origin\n5\nAAAA\n\n\n")]
    public void ANoteEndingInItsBlankLine_IsMalformed_NotACrash(string note)
    {
        FormatException error = Assert.Throws<FormatException>(() => SignedNote.Parse(note));
        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckpointLineWhoseNoteEndsInItsBlankLine_FailsVerification_NotTheVerifier()
    {
        // An edit an attacker can make: cut a checkpoint's signature line from the note in the file.
        string[] lines = File.ReadAllLines(_path);
        int at = Array.FindIndex(lines, l => l.Contains("\"event_type\":\"audit_checkpoint\"", StringComparison.Ordinal));
        int sig = lines[at].IndexOf("\\u2014", StringComparison.Ordinal) is int u and >= 0 ? u : lines[at].IndexOf('\u2014', StringComparison.Ordinal);
        Assert.True(sig > 0, lines[at]);
        lines[at] = lines[at][..sig] + "\"}";
        File.WriteAllText(_path, string.Join('\n', lines) + "\n");
        (int code, string output, string error) = Run("verify", _path, "--key", _key.VerifierKey.ToString());
        Assert.True(code == 1, output + error);
        Assert.Contains($"FAILED {_path}:{at + 1}: ", output, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(params string[] args) => ToolTests.Run(args);
}
