using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace Infernum.Audit.Fast.Evidence.Notes;

/// <summary>
/// The C2SP signed-note format: a text ending in a newline, a blank line, and one or more lines
/// <c>— name base64(key ID ‖ signature)</c> (em dash U+2014, space, key name, space, base64, newline).
/// </summary>
public sealed class SignedNote
{
    private const string SignaturePrefix = "\u2014 ";

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        Text = text;
        Signatures = signatures;
    }

    /// <summary>The note text, ending in a newline; this is what the signatures cover.</summary>
    public string Text { get; }

    /// <summary>The signature lines, in order.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Signs <paramref name="text"/> with <paramref name="key"/> and returns the whole note.</summary>
    /// <param name="text">Non-empty UTF-8 text ending in a newline, without other control characters.</param>
    /// <param name="key">The Ed25519 signing key.</param>
    /// <returns>The signed note: the text, a blank line, one signature line.</returns>
    /// <exception cref="ArgumentException">The text breaks a rule of the format.</exception>
    public static string Sign(string text, NoteSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(key);
        CheckText(text);
        byte[] message = Encoding.UTF8.GetBytes(text);
        byte[] blob = new byte[4 + 64];
        BinaryPrimitives.WriteUInt32BigEndian(blob, key.VerifierKey.KeyId);
        key.Sign(message, blob.AsSpan(4));
        return text + "\n" + SignaturePrefix + key.Name + " " + Convert.ToBase64String(blob) + "\n";
    }

    /// <summary>Splits a signed note into its text and signature lines, without checking any signature.</summary>
    /// <param name="note">The whole note.</param>
    /// <returns>The parsed note.</returns>
    /// <exception cref="FormatException">The note is malformed.</exception>
    public static SignedNote Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        int split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        // split + 2 == note.Length: the note ends in its blank line, with no signature line after it.
        if (split < 0 || split + 2 >= note.Length || !note.EndsWith('\n'))
        {
            throw new FormatException("A signed note is text, a blank line and signature lines, each ending in a newline.");
        }

        string text = note[..(split + 1)];
        try
        {
            CheckText(text);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }

        List<NoteSignature> signatures = new();
        string[] lines = note[(split + 2)..^1].Split('\n');
        foreach (string line in lines)
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
            {
                throw new FormatException("A signature line starts with an em dash and a space.");
            }

            int space = line.IndexOf(' ', SignaturePrefix.Length);
            if (space <= SignaturePrefix.Length)
            {
                throw new FormatException("A signature line is '— name base64'.");
            }

            string name = line[SignaturePrefix.Length..space];
            byte[] blob;
            try
            {
                blob = StrictBase64.Decode(line[(space + 1)..]);
            }
            catch (FormatException e)
            {
                throw new FormatException("A signature is not base64.", e);
            }

            if (blob.Length < 5)
            {
                throw new FormatException("A signature is a 4-byte key ID and at least one byte.");
            }

            signatures.Add(new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(blob), blob[4..]));
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>
    /// Whether a signature of <paramref name="key"/> (same name and key ID) is on the note and valid, following C2SP
    /// signed-note: signatures of other keys are ignored.
    /// </summary>
    /// <param name="key">The trusted key.</param>
    /// <returns><see langword="true"/> when the key's signature is present and valid.</returns>
    public bool IsSignedBy(NoteVerifierKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] message = Encoding.UTF8.GetBytes(Text);
        foreach (NoteSignature signature in Signatures)
        {
            if (signature.Name == key.Name && signature.KeyId == key.KeyId)
            {
                return key.Verify(message, signature.Signature);
            }
        }

        return false;
    }

    private static void CheckText(string text)
    {
        if (text.Length == 0 || text[^1] != '\n')
        {
            throw new ArgumentException("A note's text is non-empty and ends in a newline.", nameof(text));
        }

        foreach (char c in text)
        {
            if (c < ' ' && c != '\n')
            {
                throw new ArgumentException("A note holds no control characters but newlines.", nameof(text));
            }
        }
    }
}
