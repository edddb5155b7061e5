using System.Collections.Concurrent;
using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A source PACS whose retrieves go wrong the way real ones do, over <see cref="TestArchive"/>: the instances that
/// <see cref="CannotSend"/> picks fail their sub-operation (the SCP then ends a C-GET or C-MOVE with B000, or A702 when
/// none was sent, naming them in its Failed SOP Instance UID List, PS3.4 C.4.2.1.3.1 / C.4.3.1.3.1); with
/// <see cref="RefuseRetrieves"/> every C-GET is answered C000 and no instance is named. A C-MOVE to a destination the
/// archive does not know (<see cref="AddDestination"/>) is answered A801. Queries are answered as they are.
/// </summary>
public sealed class FailingArchive(TestArchive archive) : IDicomFindProvider, IDicomGetProvider, IDicomMoveProvider
{
    public const string Reason = "simulated: the file of this instance is unreadable at the source";

    /// <summary>Which instances (by their position in a retrieve) fail; none by default.</summary>
    public Func<int, bool> CannotSend { get; init; } = _ => false;

    /// <summary>Every C-GET fails as a whole, before any sub-operation (the SCP answers C000 with the message).</summary>
    public bool RefuseRetrieves { get; init; }

    /// <summary>When each C-GET or C-MOVE arrived, in order.</summary>
    public ConcurrentQueue<DateTimeOffset> Retrieves { get; } = new();

    public void AddDestination(DicomDestination destination) => archive.AddDestination(destination);

    public IAsyncEnumerable<byte[]> FindAsync(QueryRequest request, CancellationToken cancellationToken) => archive.FindAsync(request, cancellationToken);

    public async Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        if (request.SopClassUid != ImagePortal.Dicom.Network.DicomNetworkUids.StudyRootMove)
        {
            Retrieves.Enqueue(DateTimeOffset.UtcNow);
        }

        if (RefuseRetrieves)
        {
            throw new InvalidOperationException("simulated: the archive's database is down");
        }

        var instances = await archive.ResolveAsync(request, cancellationToken);
        return instances.Select((instance, index) => !CannotSend(index) ? instance : instance with
        {
            OpenDataSet = _ => throw new IOException(Reason),
        }).ToList();
    }

    public DicomDestination? ResolveDestination(string aeTitle)
    {
        // The SCP asks for the destination first, once per C-MOVE.
        Retrieves.Enqueue(DateTimeOffset.UtcNow);
        return archive.ResolveDestination(aeTitle);
    }
}
