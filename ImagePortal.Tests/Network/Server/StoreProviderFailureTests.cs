using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>
/// A store provider that throws an exception nobody planned for costs one C-STORE, answered with a failure status
/// (PS3.4 B.2.3 C000) and an Error Comment, never the association: the other instances of the
/// transfer still arrive, on the server (storage SCP, C-MOVE destination) and on the C-GET requestor alike.
/// </summary>
public sealed class StoreProviderFailureTests
{
    private static readonly string[] Uncompressed = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Store_WhenTheProviderThrowsForOneInstance_ThatStoreFails_AndTheOthersAreStoredOnTheSameAssociation()
    {
        using var files = new TempDirectory("store");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        var failing = study.SopInstanceUids[1];
        await using var scp = TestScp.Start(wrapStore: store => new ThrowingStoreProvider(store, failing));
        await using var association = await Client(scp.Port, scp.AeTitle).OpenAsync(await StorageContexts.ForFilesAsync(study.Files, Ct), Ct);

        var responses = new List<DimseResponse>();
        foreach (var file in study.Files)
        {
            responses.Add(await association.StoreFileAsync(file, Ct));
        }

        await association.ReleaseAsync(Ct);
        Assert.Equal(DimseStatus.UnableToProcess, responses[1].Status);
        Assert.Contains(ThrowingStoreProvider.Message, responses[1].ErrorComment);
        Assert.Equal(failing, responses[1].Command.AffectedSopInstanceUid);
        Assert.All(new[] { responses[0], responses[2] }, response => Assert.Equal(DimseStatus.Success, response.Status));
        Assert.Equal(study.SopInstanceUids.Where(uid => uid != failing).Order(), await Interop.InteropAssert.InstanceUidsAsync(scp.StoredFiles, Ct));
    }

    [Fact]
    public async Task Move_ToADestinationWhoseProviderThrowsForOneInstance_CountsOneFailure_AndTheOthersArrive()
    {
        using var files = new TempDirectory("move");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        var failing = study.SopInstanceUids[0];
        await using var destination = TestScp.Start(o => o.AeTitle = "DEST", wrapStore: store => new ThrowingStoreProvider(store, failing));
        var archive = new TestArchive(study.Files);
        archive.AddDestination(new DicomDestination("DEST", "127.0.0.1", destination.Port));
        await using var source = TestScp.Start(move: archive);
        await using var association = await Client(source.Port, source.AeTitle).OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootMove, Uncompressed)], Ct);

        var final = (await association.MoveAsync(DicomNetworkUids.StudyRootMove, "DEST", study.StudyKeys(), Ct).ToListAsync(Ct))[^1];
        await association.ReleaseAsync(Ct);

        Assert.Equal(DimseStatus.SubOperationsCompleteWithFailures, final.Status);
        Assert.Equal((ushort?)2, final.Completed);
        Assert.Equal((ushort?)1, final.Failed);
        Assert.Equal([failing], final.FailedSopInstanceUids);
        Assert.Equal(study.SopInstanceUids.Where(uid => uid != failing).Order(), await Interop.InteropAssert.InstanceUidsAsync(destination.StoredFiles, Ct));
    }

    [Fact]
    public async Task Get_WhenTheSinkThrowsForOneInstance_ThatSubOperationFails_TheOthersArrive_AndTheAssociationIsReleased()
    {
        using var files = new TempDirectory("get");
        using var sink = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        var failing = study.SopInstanceUids[1];
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        await using var association = await Client(scp.Port, scp.AeTitle).OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, Uncompressed), .. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], Uncompressed)],
            Ct);

        var final = (await association.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), new ThrowingStoreProvider(new FolderStoreProvider(sink.Path), failing), Ct).ToListAsync(Ct))[^1];

        Assert.True(association.IsEstablished);
        await association.ReleaseAsync(Ct);
        Assert.Equal(DimseStatus.SubOperationsCompleteWithFailures, final.Status);
        Assert.Equal((ushort?)2, final.Completed);
        Assert.Equal((ushort?)1, final.Failed);
        Assert.Equal([failing], final.FailedSopInstanceUids);
        Assert.Equal(study.SopInstanceUids.Where(uid => uid != failing).Order(), await Interop.InteropAssert.InstanceUidsAsync(Directory.GetFiles(sink.Path, "*.dcm"), Ct));
    }

    [Fact]
    public async Task Get_WhenTheSinkThrowsBecauseTheCallerCancelled_TheGetIsCancelled_AndTheAssociationStaysUsable()
    {
        using var files = new TempDirectory("get");
        using var sink = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        await using var association = await Client(scp.Port, scp.AeTitle).OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, Uncompressed), PresentationContextRequest.Verification(), .. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], Uncompressed)],
            Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var cancelling = new CancellingStoreProvider(new FolderStoreProvider(sink.Path), cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await association.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), cancelling, cancel.Token).ToListAsync(cancel.Token));

        Assert.True(association.IsEstablished);
        Assert.Equal(DimseStatus.Success, await association.EchoAsync(Ct));
        await association.ReleaseAsync(Ct);
    }

    private static DicomClient Client(int port, string calledAe) =>
        new("127.0.0.1", port, new AssociationOptions { CalledAeTitle = calledAe, CallingAeTitle = "PROVIDERTEST" });

    /// <summary>
    /// A sink that watches the caller's token, not only the one it is given: the user presses Stop while the first
    /// instance is being stored, and the sink gives up on it.
    /// </summary>
    private sealed class CancellingStoreProvider(IDicomStoreProvider inner, CancellationTokenSource cancel) : IDicomStoreProvider
    {
        public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
        {
            await cancel.CancelAsync();
            cancel.Token.ThrowIfCancellationRequested();
            return await inner.StoreAsync(instance, cancellationToken);
        }
    }
}
