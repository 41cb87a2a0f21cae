using System.Collections.Generic;
using Infernum.Audit.Fast.Pipeline;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>The pools' free lists: which kept item comes back first, and what they refuse to keep.</summary>
public sealed class FreeListTests
{
    [Fact]
    public void By_default_the_item_returned_last_comes_back_first()
    {
        var list = new FreeList<string>(4);
        list.Put("a");
        list.Put("b");
        list.Put("c");

        Assert.Equal(["c", "b", "a"], TakeAll(list));
    }

    [Fact]
    public void Oldest_first_hands_items_back_in_the_order_they_were_returned_across_the_ring_wrapping()
    {
        var list = new FreeList<string>(3, oldestFirst: true);
        list.Put("a");
        list.Put("b");
        Assert.True(list.TryTake(out string? first));
        Assert.Equal("a", first);

        // The ring now starts mid-array: these wrap past its end.
        list.Put("c");
        list.Put("d");
        list.Put("e"); // full (b, c, d): let go

        Assert.Equal(["b", "c", "d"], TakeAll(list));
        list.Put("f");
        Assert.Equal(["f"], TakeAll(list));
    }

    [Fact]
    public void A_closed_list_lets_go_of_what_it_kept_and_keeps_nothing_more()
    {
        var list = new FreeList<string>(2, oldestFirst: true);
        list.Put("a");
        list.Close();
        list.Put("b");

        Assert.False(list.TryTake(out string? item));
        Assert.Null(item);
    }

    [Fact]
    public void A_stage_block_is_reused_only_after_every_block_returned_before_it()
    {
        // Warm blocks come back first, in order; the block just returned (still in the writer's cache) comes last.
        var pool = new StageBlockPool(16 * 1024, retainedBlocks: 4, warmBlocks: 3, retainedFirstBlocks: 4);
        StageBlock first = pool.Rent(10);
        pool.Return(first);
        StageBlock second = pool.Rent(10);
        StageBlock third = pool.Rent(10);
        StageBlock fourth = pool.Rent(10);

        Assert.NotSame(first, second);
        Assert.NotSame(first, third);
        Assert.Same(first, fourth);
    }

    [Fact]
    public void A_stage_starts_with_a_small_block_and_the_pool_keeps_each_size_apart()
    {
        var pool = new StageBlockPool(16 * 1024, retainedBlocks: 4, warmBlocks: 0, retainedFirstBlocks: 4);
        StageBlock first = pool.RentFirst(300);
        StageBlock large = pool.RentFirst(StageBlockPool.FirstBlockSize + 1);

        Assert.Equal(StageBlockPool.FirstBlockSize, first.Buffer.Length);
        Assert.Equal(16 * 1024, large.Buffer.Length);
        pool.Return(first);
        pool.Return(large);
        Assert.Same(first, pool.RentFirst(10));
        Assert.Same(large, pool.Rent(10));
    }

    private static List<string> TakeAll(FreeList<string> list)
    {
        var items = new List<string>();
        while (list.TryTake(out string? item))
        {
            items.Add(item);
        }

        return items;
    }
}
