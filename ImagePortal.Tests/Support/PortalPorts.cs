namespace ImagePortal.Tests.Support;

/// <summary>
/// Ports a <see cref="PortalApp"/> binds itself (its Storage SCP, the demo PACS), which its settings must name before it
/// starts: <paramref name="Settings"/> turns <paramref name="Count"/> picked ports into settings, and the portal is started
/// again on new ones when one was taken meanwhile (<see cref="PortRetry"/>).
/// </summary>
/// <param name="Started">Runs once the portal started; throws when a listener that only logs a taken port (a demo PACS) is missing.</param>
public sealed record PortalPorts(
    int Count, Func<IReadOnlyList<int>, IReadOnlyDictionary<string, string?>> Settings, Func<PortalApp, CancellationToken, Task>? Started = null)
{
    /// <summary>Where the ports come from (<see cref="FreePort.Next"/>); a test of <see cref="PortRetry"/> hands out a taken one.</summary>
    public Func<int>? Pick { get; init; }
}
