namespace ImagePortal.Domain.Facilities;

/// <summary>
/// Which of a facility's DICOM nodes the portal talks to, said once. The approver's look-up, the partner-archive search
/// and the viewer must reach the node that a study was found on, and the choice must not depend on the order in which
/// the database happens to return a facility's nodes: every rule ends on the node's name and then its id.
/// </summary>
public static class NodeChoice
{
    /// <summary>The node that answers C-FIND for the facility: its import destination (its main PACS) when that one
    /// answers queries, otherwise the first by name.</summary>
    public static DicomNode? ForQueries(IEnumerable<DicomNode> nodes) =>
        nodes.Where(n => n.Supports(DicomCapabilities.Find))
            .OrderByDescending(n => n.IsImportDestination)
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .ThenBy(n => n.Id)
            .FirstOrDefault();

    /// <summary>The node a retrieval pulls a study from: one offering C-GET (no route back to the portal needed) before
    /// one offering only C-MOVE; among those, the node queries go to (the one the study was found on), then by name.</summary>
    public static DicomNode? ForRetrieval(IEnumerable<DicomNode> nodes)
    {
        var all = nodes as IReadOnlyCollection<DicomNode> ?? nodes.ToList();
        var queried = ForQueries(all);
        return all.Where(n => n.Supports(DicomCapabilities.Get) || n.Supports(DicomCapabilities.Move))
            .OrderByDescending(n => n.Supports(DicomCapabilities.Get))
            .ThenByDescending(n => n.Id == queried?.Id)
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .ThenBy(n => n.Id)
            .FirstOrDefault();
    }
}
