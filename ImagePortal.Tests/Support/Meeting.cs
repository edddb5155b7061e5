namespace ImagePortal.Tests.Support;

/// <summary>
/// Holds, once armed, the first two callers of <see cref="Join"/> until both have called it, so two nodes' next steps
/// happen at the same moment (both past a check, both about to write). A caller waits at most its patience: a node that never
/// comes (the other one holds a lock it waits on) lets the first go on, and <see cref="Met"/> stays false.
/// </summary>
/// <param name="patience">How long a caller waits for the other; 20 s unless given.</param>
public sealed class Meeting(TimeSpan? patience = null)
{
    private volatile Barrier? _barrier;

    public bool Met { get; private set; }

    /// <summary>Arms it for one meeting, or (<paramref name="everyTime"/>) for every pair of calls to come.</summary>
    public void Arm(bool everyTime = false)
    {
        Met = false;
        _barrier = new Barrier(2, _ =>
        {
            Met = true;
            if (!everyTime)
            {
                _barrier = null;
            }
        });
    }

    public void Join()
    {
        if (_barrier is { } barrier && !barrier.SignalAndWait(patience ?? TimeSpan.FromSeconds(20)))
        {
            _barrier = null;
        }
    }
}
