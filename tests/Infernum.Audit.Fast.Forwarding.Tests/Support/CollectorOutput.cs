using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Infernum.Audit.Fast.Forwarding.Files;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests.Support;

/// <summary>Compares what a collector wrote with the local audit files, removing duplicates by <c>seq</c>.</summary>
internal static class CollectorOutput
{
    internal readonly record struct Comparison(int Lines, int Duplicates, int Torn);

    /// <summary>
    /// Asserts the collector's lines, each <c>seq</c> kept at its first occurrence, equal the local files' lines byte for
    /// byte and in order; a repeated <c>seq</c> must repeat the same bytes. Only the last line of an output file may be
    /// torn (the collector was SIGKILLed while writing it).
    /// </summary>
    public static Comparison AssertSameAsLocal(IReadOnlyList<string> outputs, string activePath)
    {
        Dictionary<long, byte[]> bySequence = [];
        List<byte[]> firstOccurrences = [];
        int duplicates = 0;
        int torn = 0;
        foreach (string output in outputs)
        {
            if (!File.Exists(output))
            {
                continue;
            }

            byte[] content = File.ReadAllBytes(output);
            int start = 0;
            while (start < content.Length)
            {
                int newline = Array.IndexOf(content, (byte)'\n', start);
                if (newline < 0)
                {
                    torn++;
                    break;
                }

                byte[] line = content[start..newline];
                start = newline + 1;
                long sequence = Syslog.JsonLineFields.Sequence(line);
                Assert.True(sequence > 0, "a collector line without seq: " + Encoding.UTF8.GetString(line));
                if (bySequence.TryGetValue(sequence, out byte[]? first))
                {
                    Assert.True(first.AsSpan().SequenceEqual(line), $"seq {sequence} arrived twice with different bytes");
                    duplicates++;
                }
                else
                {
                    bySequence.Add(sequence, line);
                    firstOccurrences.Add(line);
                }
            }
        }

        List<byte[]> local = [];
        foreach (string file in new AuditFileSet(activePath).OldestFirst())
        {
            if (!File.Exists(file))
            {
                continue;
            }

            byte[] content = File.ReadAllBytes(file);
            int start = 0;
            while (start < content.Length)
            {
                int newline = Array.IndexOf(content, (byte)'\n', start);
                Assert.True(newline >= 0, "a local file ends with an unterminated line");
                local.Add(content[start..newline]);
                start = newline + 1;
            }
        }

        Assert.Equal(local.Count, firstOccurrences.Count);
        for (int i = 0; i < local.Count; i++)
        {
            Assert.True(local[i].AsSpan().SequenceEqual(firstOccurrences[i]),
                $"line {i} differs: local {Encoding.UTF8.GetString(local[i])} collector {Encoding.UTF8.GetString(firstOccurrences[i])}");
        }

        return new Comparison(local.Count, duplicates, torn);
    }
}
