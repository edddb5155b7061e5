using ImagePortal.Domain.Common;
using ImagePortal.Web.Components.Shared;

namespace ImagePortal.Tests.Components;

/// <summary>
/// What every page shows about its commands: a second click while one runs is ignored (Blazor Server delivers it while
/// the first awaits), an old success does not stay beside a new command, and a failure replaces a success.
/// </summary>
public sealed class PageOperationTests
{
    [Fact]
    public async Task AClickWhileACommandRuns_IsIgnored_AndThePageIsBusyMeanwhile()
    {
        var operation = new PageOperation();
        var first = new TaskCompletionSource();
        var runs = 0;

        var running = operation.RunAsync(() =>
        {
            runs++;
            return first.Task;
        });
        Assert.True(operation.Busy);
        await operation.RunAsync(() =>
        {
            runs++;
            return Task.CompletedTask;
        });
        first.SetResult();
        await running;

        Assert.Equal(1, runs);
        Assert.False(operation.Busy);
    }

    [Fact]
    public async Task ANewCommand_ClearsTheLastSuccess_AndItsOutcomeReplacesIt()
    {
        var operation = new PageOperation();
        operation.Report(null, "The facility was saved.");
        Assert.Equal("The facility was saved.", operation.Success);

        await operation.RunAsync(() =>
        {
            Assert.Null(operation.Success);
            operation.Report(new Failure(FailureKind.Conflict, "Someone else changed it first."), "unused");
            return Task.CompletedTask;
        });

        Assert.Equal("Someone else changed it first.", operation.Error);
        Assert.Null(operation.Success);
    }

    [Fact]
    public async Task ACommandThatThrows_LeavesThePageNotBusy()
    {
        var operation = new PageOperation();

        await Assert.ThrowsAsync<InvalidOperationException>(() => operation.RunAsync(() => throw new InvalidOperationException("boom")));

        Assert.False(operation.Busy);
    }
}
