using ImagePortal.Domain.Common;

namespace ImagePortal.Web.Components.Shared;

/// <summary>
/// What a page shows about the commands it sends: whether one is under way (its buttons are disabled meanwhile and a
/// second click is ignored: Blazor Server runs a click that arrives while an await is pending), the last failure and the
/// last success. Pages render it with <see cref="OperationAlerts"/>, so every page words and marks them the same way
/// (role="alert" for a failure, role="status" for a success, which the browser tests find by role).
/// </summary>
public sealed class PageOperation
{
    public bool Busy { get; private set; }

    /// <summary>Why the last command (or the page's read) failed; null when it did not.</summary>
    public string? Error { get; set; }

    /// <summary>What the last command did, in the user's words; null until one succeeded.</summary>
    public string? Success { get; set; }

    /// <summary>
    /// Runs a command unless one is already under way, with the page busy meanwhile. The last success is cleared when it
    /// starts (it speaks of an earlier click); the last error stays until the command reports.
    /// </summary>
    public async Task RunAsync(Func<Task> work)
    {
        if (Busy)
        {
            return;
        }

        Busy = true;
        Success = null;
        try
        {
            await work();
        }
        finally
        {
            Busy = false;
        }
    }

    /// <summary>Shows the outcome of a command: its failure, or <paramref name="success"/> when there was none.</summary>
    public void Report(Failure? failure, string? success = null)
    {
        Error = failure?.Message;
        Success = failure is null ? success : null;
    }

    /// <summary>Shows <paramref name="message"/> as a failure the page found itself (nothing was sent).</summary>
    public void Fail(string message)
    {
        Error = message;
        Success = null;
    }
}
