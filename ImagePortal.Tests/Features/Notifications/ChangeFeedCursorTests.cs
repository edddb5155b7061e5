using ImagePortal.Web.Features.Notifications;

namespace ImagePortal.Tests.Features.Notifications;

/// <summary>
/// Rows of the change feed are numbered at insert and seen at commit: the cursor must tell each committed row once,
/// including one that commits after a higher-numbered row was read, and must not wait forever for a number never used.
/// </summary>
public sealed class ChangeFeedCursorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void RowsInOrder_AreEachToldOnce()
    {
        var cursor = new ChangeFeedCursor(start: 5, GapTimeout);
        Assert.Equal([6, 7], cursor.Accept([6L, 7L], s => s, T0));
        // The next read asks from the highest: a row read twice is not told twice.
        Assert.Equal([8], cursor.Accept([7L, 8L], s => s, T0));
        Assert.Equal(8, cursor.Highest);
        Assert.Empty(cursor.Missing);
    }

    [Fact]
    public void RowsAtOrBelowTheStart_AreNotTold()
    {
        var cursor = new ChangeFeedCursor(start: 5, GapTimeout);
        Assert.Equal([6], cursor.Accept([4L, 5L, 6L], s => s, T0));
    }

    [Fact]
    public void ARowThatCommitsAfterAHigherOne_IsStillTold_Once()
    {
        var cursor = new ChangeFeedCursor(start: 0, GapTimeout);
        Assert.Equal([1, 2, 4], cursor.Accept([1L, 2L, 4L], s => s, T0));
        Assert.Equal([3], cursor.Missing);

        // The next read asks for what is above 4 and for 3; 3 has committed meanwhile.
        Assert.Equal([3, 5], cursor.Accept([3L, 5L], s => s, T0.AddSeconds(1)));
        Assert.Empty(cursor.Missing);
        Assert.Empty(cursor.Accept([3L, 4L, 5L], s => s, T0.AddSeconds(2)));
    }

    [Fact]
    public void ANumberNeverUsed_IsGivenUpAfterTheGapTimeout()
    {
        var cursor = new ChangeFeedCursor(start: 0, GapTimeout);
        cursor.Accept([1L, 3L], s => s, T0);
        cursor.Accept([], (long s) => s, T0 + GapTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal([2], cursor.Missing);
        cursor.Accept([], (long s) => s, T0 + GapTimeout);
        Assert.Empty(cursor.Missing);
        // Should the row turn up after all, it is too late to be told: pages have moved on.
        Assert.Empty(cursor.Accept([2L], s => s, T0 + GapTimeout + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void AHugeJump_IsNotWaitedForNumberByNumber()
    {
        // SQL Server's identity jumps by 1,000 after a restart; a jump beyond the tracked size is taken as skipped.
        var cursor = new ChangeFeedCursor(start: 0, GapTimeout);
        Assert.Equal([1, 1_000_000], cursor.Accept([1L, 1_000_000L], s => s, T0));
        Assert.Empty(cursor.Missing);
        Assert.Equal(1_000_000, cursor.Highest);
    }

    [Fact]
    public void ReadsInAnyOrder_AreToldInSequenceOrder()
    {
        var cursor = new ChangeFeedCursor(start: 0, GapTimeout);
        Assert.Equal([1, 2, 3], cursor.Accept([3L, 1L, 2L], s => s, T0));
    }
}
