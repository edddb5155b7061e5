using System.Diagnostics;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Where the run's time goes, and what the heartbeat watches for a stall: its activity and its waiting.</summary>
internal sealed partial class JobRun
{
    private readonly long _began = Stopwatch.GetTimestamp();
    private readonly List<(string Phase, long At)> _phases = [];

    /// <summary>Where the run's time went, for the log: "start 0.04 s, query 0.11 s, transfer 2.93 s, finish 0.05 s".</summary>
    public string Timings
    {
        get
        {
            var previous = _began;
            var parts = new List<string>();
            foreach (var (phase, at) in _phases)
            {
                parts.Add($"{phase} {Stopwatch.GetElapsedTime(previous, at).TotalSeconds:0.00} s");
                previous = at;
            }

            return string.Join(", ", parts);
        }
    }

    /// <summary>Notes that <paramref name="phase"/> has ended now.</summary>
    public void Ended(string phase)
    {
        _phases.Add((phase, Stopwatch.GetTimestamp()));
        Touch();
    }

    private long _activity;

    /// <summary>
    /// Grows with every step of the run (a phase ended, an instance received, one stored or failed): the heartbeat ends an
    /// attempt in which it stood still for <see cref="RetrievalOptions.StallTimeout"/>.
    /// </summary>
    public long Activity => Interlocked.Read(ref _activity);

    private void Touch() => Interlocked.Increment(ref _activity);

    private bool _waitingForRoute;

    /// <summary>Waiting its turn for a C-MOVE from a source another job is moving from: idle, but not stalled.</summary>
    public bool IsWaiting => Volatile.Read(ref _waitingForRoute);
}
