using System;
using System.Text;
using Infernum.Audit.Fast.Evidence.Notes;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// C2SP signed-note (format, key ID, Ed25519 signatures) and C2SP tlog-checkpoint (note text), against the example
/// of golang.org/x/mod/sumdb/note's documentation and a vector made by TestData/make_vectors.py with Python's
/// cryptography package.
/// </summary>
public sealed class NoteVectorTests
{
    // golang.org/x/mod/sumdb/note, package documentation: a signer key, its verifier key, a text and the note it signs to.
    private const string GoSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string GoVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string GoText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string GoNote = GoText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    // make_vectors.py: seed 00 01 .. 1f, name audit.example/host-1, a checkpoint of three lines.
    private const string PySigner = "PRIVATE+KEY+audit.example/host-1+0c20ca15+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
    private const string PyVerifier = "audit.example/host-1+0c20ca15+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    private const string PyText = "audit.example/host-1/0123456789abcdef\n3\nFaeAyGKD1CyME604W/lnlPK2G+zyLO/wjQJV4FUch48=\n";
    private const string PyNote = PyText + "\n\u2014 audit.example/host-1 DCDKFQBJ7sTgVHA+N59St+CvlycW+m8BJ0/HnXWZW8SwsuU20Qd9SOT/wbVaBRiNIpxcYvXDTY0SSad4s+kNA2DjGQU=\n";

    [Theory]
    [InlineData(GoSigner, GoVerifier, GoText, GoNote)]
    [InlineData(PySigner, PyVerifier, PyText, PyNote)]
    public void Sign_WritesTheSameNote_AsOtherImplementations(string signer, string verifier, string text, string note)
    {
        using NoteSigningKey key = NoteSigningKey.Parse(signer);
        Assert.Equal(verifier, key.VerifierKey.ToString());
        Assert.Equal(signer, key.Export());
        Assert.Equal(note, SignedNote.Sign(text, key));
    }

    [Theory]
    [InlineData(GoVerifier, GoText, GoNote)]
    [InlineData(PyVerifier, PyText, PyNote)]
    public void Open_VerifiesTheirNotes_AndRejectsAnyChangedByte(string verifier, string text, string note)
    {
        NoteVerifierKey key = NoteVerifierKey.Parse(verifier);
        SignedNote parsed = SignedNote.Parse(note);
        Assert.Equal(text, parsed.Text);
        Assert.True(parsed.IsSignedBy(key));

        byte[] bytes = Encoding.UTF8.GetBytes(note);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] changed = (byte[])bytes.Clone();
            changed[i] ^= 0x01;
            string altered = Encoding.UTF8.GetString(changed);
            bool accepted;
            try
            {
                accepted = SignedNote.Parse(altered).IsSignedBy(key);
            }
            catch (FormatException)
            {
                accepted = false;
            }

            Assert.False(accepted, $"byte {i} changed and the note still verifies");
        }
    }

    [Fact]
    public void KeyId_IsTheFirstFourBytesOf_Sha256OfNameNewlineTypeAndKey()
    {
        NoteVerifierKey key = NoteVerifierKey.Parse(PyVerifier);
        byte[] input = [.. Encoding.UTF8.GetBytes("audit.example/host-1"), 0x0A, 0x01, .. key.PublicKey];
        byte[] hash = System.Security.Cryptography.SHA256.HashData(input);
        Assert.Equal((uint)((hash[0] << 24) | (hash[1] << 16) | (hash[2] << 8) | hash[3]), key.KeyId);
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // keyhash off by one
    [InlineData("PeterNeumann+c74f20a3+ApSc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // type byte 0x02
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // a space in the name
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy1")] // short key
    public void VerifierKey_RejectsMalformedKeys(string text)
        => Assert.Throws<FormatException>(() => NoteVerifierKey.Parse(text));

    [Fact]
    public void Checkpoint_ParsesTheC2spExample_AndWritesItBack()
    {
        const string text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        Checkpoint checkpoint = Checkpoint.Parse(text);
        Assert.Equal("example.com/behind-the-sofa", checkpoint.Origin);
        Assert.Equal(20852163, checkpoint.Size);
        Assert.Equal(32, checkpoint.RootHash.Length);
        Assert.Empty(checkpoint.Extensions);
        Assert.False(checkpoint.IsClosed);
        Assert.Equal(text, checkpoint.ToText());

        Checkpoint closed = checkpoint with { Extensions = [Checkpoint.ClosedExtension] };
        Assert.Equal(text + Checkpoint.ClosedExtension + "\n", closed.ToText());
        Assert.True(Checkpoint.Parse(closed.ToText()).IsClosed);
    }

    [Theory]
    [InlineData("o\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")] // leading zero
    [InlineData("o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")]
    [InlineData("o\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n")] // root not 32 bytes
    [InlineData("o\n12\n")]
    [InlineData("o\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\next\n")] // empty line
    [InlineData("\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")] // empty origin
    public void Checkpoint_RejectsTextsTheSpecForbids(string text)
        => Assert.Throws<FormatException>(() => Checkpoint.Parse(text));
}
