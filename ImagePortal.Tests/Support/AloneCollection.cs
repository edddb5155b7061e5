namespace ImagePortal.Tests.Support;

/// <summary>
/// Test classes that load the whole machine (several worker processes, a thousand jobs): xUnit runs this collection by
/// itself once the parallel ones are done, so their timing does not depend on what else runs, nor theirs on it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Alone";
}
