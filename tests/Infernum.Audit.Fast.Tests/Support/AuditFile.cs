using System;
using System.Collections.Generic;
using System.Text.Json;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Reads audit lines back and checks that every seq is accounted for.</summary>
internal static class AuditFile
{
    /// <summary>One parsed line: an event, or an audit_dropped record covering [First, Last].</summary>
    internal readonly record struct Entry(long Seq, string EventType, string? RequestId, long DroppedCount, long First, long Last)
    {
        public bool IsDropRecord => EventType == "audit_dropped";
    }

    public static List<Entry> Parse(IEnumerable<string> lines)
    {
        var entries = new List<Entry>();
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            string type = root.GetProperty("event_type").GetString()!;
            long seq = root.GetProperty("seq").GetInt64();
            entries.Add(type == "audit_dropped"
                ? new Entry(seq, type, null, root.GetProperty("count").GetInt64(), root.GetProperty("first_seq").GetInt64(), root.GetProperty("last_seq").GetInt64())
                : new Entry(seq, type, root.TryGetProperty("request_id", out JsonElement id) ? id.GetString() : null, 0, 0, 0));
        }

        return entries;
    }

    /// <summary>
    /// Asserts lines are in strictly increasing seq order and every number from <paramref name="firstSeq"/> to the
    /// last appears exactly once, as a line's seq or inside a drop record's range. Returns the events dropped.
    /// </summary>
    public static long AssertEverySeqAccounted(List<Entry> entries, long firstSeq = 1)
    {
        var seen = new HashSet<long>();
        long previous = firstSeq - 1;
        long dropped = 0;
        foreach (Entry entry in entries)
        {
            Assert.True(entry.Seq > previous, $"seq {entry.Seq} after {previous}");
            previous = entry.Seq;
            Assert.True(seen.Add(entry.Seq), "seq twice: " + entry.Seq);
            if (entry.IsDropRecord)
            {
                Assert.Equal(entry.Last - entry.First + 1, entry.DroppedCount);
                for (long s = entry.First; s <= entry.Last; s++)
                {
                    Assert.True(seen.Add(s), "dropped seq also present: " + s);
                }

                dropped += entry.DroppedCount;
            }
        }

        for (long s = firstSeq; s <= previous; s++)
        {
            Assert.True(seen.Contains(s), "seq missing: " + s);
        }

        return dropped;
    }
}
