using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// Edits of the evidence lines themselves (start lines and checkpoints: their numbers, prefixes, notes), which the
/// tamper matrix leaves to chance: each must be reported as a failure, never throw out of the verifier.
/// </summary>
public sealed class VerifierFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/fuzz", 51);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData("\r")]
    public void ASignatureWithWhitespaceInItsBase64_IsMalformed_SoANoteHasOneSpelling(string whitespace)
    {
        string note = SignedNote.Sign("audit.example/fuzz/0123456789abcdef\n5\n" + Convert.ToBase64String(new byte[32]) + "\n", _key);
        int at = note.LastIndexOf(' ') + 10; // inside the signature's base64
        string edited = note[..at] + whitespace + note[at..];
        Assert.True(SignedNote.Parse(note).IsSignedBy(_key.VerifierKey));
        Assert.Throws<FormatException>(() => SignedNote.Parse(edited));
    }

    [Fact]
    public void EditsOfEvidenceLines_AreFailures_NeverExceptions()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 1_200, new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 20 }, checkpointLines: 100);
        IReadOnlyList<string> names = AuditEvidence.RolledSet(path);
        byte[][] contents = names.Select(File.ReadAllBytes).ToArray();
        AuditVerifierOptions options = new() { Keys = [_key.VerifierKey] };
        Assert.Null(AuditVerifier.Verify(names.Select((n, i) => new AuditFileImage(n, contents[i])).ToList(), options).Failure);

        byte[] replacements = Encoding.ASCII.GetBytes("0919-\"\\x\n ");
        Random random = new(20261130);
        int edits = 0;
        List<string> thrown = new();
        for (int f = 0; f < contents.Length; f++)
        {
            // Byte positions inside evidence lines.
            List<int> positions = new();
            int start = 0;
            byte[] content = contents[f];
            while (start < content.Length)
            {
                int end = Array.IndexOf(content, (byte)'\n', start);
                string line = Encoding.UTF8.GetString(content, start, end - start);
                if (line.Contains("\"event_type\":\"audit_", StringComparison.Ordinal))
                {
                    positions.AddRange(Enumerable.Range(start, end - start + 1));
                }

                start = end + 1;
            }

            // Not detected by design (docs/evidence.md, threat model): the timestamp of a file's last line, which nothing after it signs.
            int lastLine = Array.LastIndexOf(content, (byte)'\n', content.Length - 2) + 1;
            int timestampEnd = lastLine + "{\"timestamp\":\"2026-11-30T13:59:57.1315594Z\"".Length;
            foreach (int at in positions.Where(p => p < lastLine || p >= timestampEnd).OrderBy(_ => random.Next()).Take(600))
            {
                byte[] edited;
                int how = random.Next(3);
                if (how == 0)
                {
                    edited = (byte[])content.Clone();
                    edited[at] = replacements[random.Next(replacements.Length)];
                }
                else if (how == 1)
                {
                    edited = content.Take(at).Concat(content.Skip(at + 1)).ToArray();
                }
                else
                {
                    edited = content.Take(at).Append(replacements[random.Next(replacements.Length)]).Concat(content.Skip(at)).ToArray();
                }

                if (edited.AsSpan().SequenceEqual(content))
                {
                    continue;
                }

                edits++;
                List<AuditFileImage> images = names.Select((n, i) => new AuditFileImage(n, i == f ? edited : contents[i])).ToList();
                try
                {
                    EvidenceReport report = AuditVerifier.Verify(images, options);
                    if (report.Failure is null)
                    {
                        int lineStart = Array.LastIndexOf(content, (byte)'\n', Math.Max(0, at - 1)) + 1;
                        int lineNo = content.AsSpan(0, lineStart).Count((byte)'\n') + 1;
                        int lines = content.AsSpan().Count((byte)'\n');
                        int lineEnd = Array.IndexOf(content, (byte)'\n', lineStart);
                        string text = Encoding.UTF8.GetString(content, lineStart, lineEnd - lineStart);
                        int col = at - lineStart;
                        thrown.Add($"file {f}/{contents.Length} line {lineNo}/{lines} col {col}/{text.Length} edit {how} -> '{(char)(how == 1 ? '-' : (char)edited[at])}': verified clean: {text[..Math.Min(60, text.Length)]} ... {text.Substring(Math.Max(0, Math.Min(col, text.Length) - 25), Math.Min(35, text.Length - Math.Max(0, Math.Min(col, text.Length) - 25)))}");
                    }
                }
                catch (Exception e)
                {
                    thrown.Add($"file {f} byte {at} edit {how}: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        output.WriteLine($"{edits} edits of evidence lines in {contents.Length} files; {thrown.Count} not reported as failures");
        foreach (string t in thrown.Take(30))
        {
            output.WriteLine(t);
        }

        Assert.Empty(thrown);
    }
}
