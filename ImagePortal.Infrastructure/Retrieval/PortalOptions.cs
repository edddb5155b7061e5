
namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>What this process does (<c>Portal:Role</c>): the UI, the retrieval workers and their Storage SCP, or both.</summary>
public enum PortalRole
{
    All,
    Web,
    Worker,
}

public sealed class PortalOptions
{
    public const string SectionName = "Portal";

    public PortalRole Role { get; set; } = PortalRole.All;

    public bool RunsWorkers => Role is PortalRole.All or PortalRole.Worker;
}
