using System;
using System.Collections.Generic;
using System.Threading;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// The evidence sink's hashing thread: lines reach the handler once each, in the order handed over, and
/// <see cref="LeafHashingThread.Drain"/> returns only when all of them did, however far the thread falls behind.
/// </summary>
public sealed class LeafHashingThreadTests
{
    [Fact]
    public void Lines_ReachTheHandler_InOrder_AndDrainWaitsForAll_WhenHashingFallsBehind()
    {
        List<byte> seen = new();
        int calls = 0;
        using LeafHashingThread thread = new(lines =>
        {
            Thread.Sleep(1); // slower than the hand-over: the writer meets the 1 MiB bound and waits
            seen.AddRange(lines.ToArray());
            calls++;
        });

        Random random = new(4096);
        List<byte> handed = new();
        for (int chunk = 0; chunk < 200; chunk++)
        {
            byte[] lines = new byte[random.Next(1, 40_000)];
            random.NextBytes(lines);
            lines[^1] = (byte)'\n';
            thread.Enqueue(lines);
            handed.AddRange(lines);
            lines.AsSpan().Clear(); // the thread holds a copy: reusing the span at once changes nothing
            if (chunk % 50 == 49)
            {
                thread.Drain();
                Assert.Equal(handed.Count, seen.Count);
            }
        }

        thread.Drain();
        Assert.Equal(handed, seen);
        Assert.InRange(calls, 2, 200); // batches were taken whole, several hand-overs at a time when it fell behind
    }

    [Fact]
    public void AFailingHandler_IsReported_ByDrainAndEnqueue_NotSwallowed()
    {
        using LeafHashingThread thread = new(_ => throw new InvalidCastException("handler"));
        thread.Enqueue("{}\n"u8);
        InvalidOperationException drained = Assert.Throws<InvalidOperationException>(thread.Drain);
        Assert.IsType<InvalidCastException>(drained.InnerException);
        Assert.Throws<InvalidOperationException>(() => thread.Enqueue("{}\n"u8));
    }
}
