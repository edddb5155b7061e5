using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

public sealed class StoreInteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DcmtkStoreScu_IntoOurScp_StoresEveryInstance(bool combineContexts)
    {
        // storescu proposes (and converts to) uncompressed syntaxes only, unless told otherwise.
        var files = TestFiles.Uncompressed().Take(2).ToList();
        await using var scp = TestScp.Start();
        List<string> arguments = ["-aet", "STORESCU", "-aec", scp.AeTitle];
        if (combineContexts)
        {
            arguments.Add("+C");
        }

        arguments.AddRange(["127.0.0.1", scp.Port.ToString(), .. files]);

        var (exit, output) = await DcmtkTools.RunAsync("storescu", arguments, Ct);

        Assert.True(exit == 0, output);
        // storescu re-encodes what it sends (group lengths dropped), so compare identities here; the
        // byte-for-byte streaming check is StoreScu_IntoOurScp_DataSetsArriveByteForByte.
        Assert.Equal(await InteropAssert.InstanceUidsAsync(files, Ct), await InteropAssert.InstanceUidsAsync(scp.StoredFiles, Ct));
        Assert.All(scp.StoredFiles, f => Assert.Matches("^[0-9a-f]{32}\\.dcm$", Path.GetFileName(f)));
        Assert.Equal(scp.StoredFiles.Count, scp.AllFiles.Count);
    }

    [Fact]
    public async Task DcmtkStoreScu_WhenOurProviderThrowsForOneFile_ReportsOneFailure_AndTheOthersAreStored()
    {
        using var folder = new TempDirectory("storescu");
        var study = SyntheticStudy.Write(folder.Path, series: 1, imagesPerSeries: 3);
        var failing = study.SopInstanceUids[1];
        await using var scp = TestScp.Start(wrapStore: store => new ThrowingStoreProvider(store, failing));

        // -nh: storescu halts at the first unsuccessful store unless told to go on, as a sender of a study should.
        var (exit, output) = await DcmtkTools.RunAsync("storescu", ["-v", "-nh", "-aet", "STORESCU", "-aec", scp.AeTitle, "127.0.0.1", scp.Port.ToString(), .. study.Files], Ct);

        Assert.True(exit == 0, output);
        Assert.Single(output.Split('\n'), line => line.Contains("Received Store Response (Error: CannotUnderstand", StringComparison.Ordinal));
        Assert.Equal(2, output.Split('\n').Count(line => line.Contains("Received Store Response (Success)", StringComparison.Ordinal)));
        Assert.Contains("Releasing Association", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Abort", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(study.SopInstanceUids.Where(uid => uid != failing).Order(), await InteropAssert.InstanceUidsAsync(scp.StoredFiles, Ct));
    }

    [Fact]
    public async Task StoreScu_IntoOurScp_DataSetsArriveByteForByte()
    {
        var files = TestFiles.MixedTransferSyntaxes().Where(f => !f.EndsWith("image_dfl.dcm", StringComparison.Ordinal)).ToList();
        await using var scp = TestScp.Start(o => o.MaxPduLength = 4096);
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, MaxPduLength = 8192 });
        await using var association = await client.OpenAsync(await StorageContexts.ForFilesAsync(files, Ct), Ct);

        foreach (var file in files)
        {
            Assert.Equal(DimseStatus.Success, (await association.StoreFileAsync(file, Ct)).Status);
        }

        await association.ReleaseAsync(Ct);
        await InteropAssert.SameDataSetsAsync(files, scp.StoredFiles, Ct);
    }

    [Fact]
    public async Task DcmtkStoreScu_StoredFiles_AreReadableByDcmdump()
    {
        await using var scp = TestScp.Start();
        var file = TestFiles.Require("CT_small.dcm");
        var (exit, output) = await DcmtkTools.RunAsync("storescu", ["-aec", scp.AeTitle, "127.0.0.1", scp.Port.ToString(), file], Ct);
        Assert.True(exit == 0, output);

        var (dumpExit, dump) = await DcmtkTools.RunAsync("dcmdump", ["-M", Assert.Single(scp.StoredFiles)], Ct);

        Assert.True(dumpExit == 0, dump);
        Assert.Contains("(0002,0016) AE [STORESCU]", dump);
        Assert.Contains("1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322", dump);
    }

    [Fact]
    public async Task StoreScu_IntoDcmtkStoreScp_ManyInstancesOverOneAssociation()
    {
        var files = TestFiles.MixedTransferSyntaxes();
        await using var storescp = await DcmtkStoreScp.StartAsync(cancellationToken: Ct);
        var client = new DicomClient("127.0.0.1", storescp.Port, new AssociationOptions { CalledAeTitle = storescp.AeTitle, CallingAeTitle = "PORTAL" });
        var contexts = await StorageContexts.ForFilesAsync(files, Ct);
        await using var association = await client.OpenAsync(contexts, Ct);

        foreach (var file in files)
        {
            var response = await association.StoreFileAsync(file, Ct);
            Assert.True(response.Status == DimseStatus.Success, $"{Path.GetFileName(file)}: {response.Status}\n{storescp.Output}");
        }

        await association.ReleaseAsync(Ct);
        await storescp.WaitForFilesAsync(files.Count, TimeSpan.FromSeconds(10), Ct);
        // storescp decodes and re-encodes what it receives, so compare identities, not bytes.
        Assert.Equal(await InteropAssert.InstanceUidsAsync(files, Ct), await InteropAssert.InstanceUidsAsync(storescp.ReceivedFiles, Ct));
    }

    [Fact]
    public async Task StoreScu_IntoOrthanc_InstancesArrive()
    {
        var files = TestFiles.MixedTransferSyntaxes();
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        var client = new DicomClient("127.0.0.1", orthanc.DicomPort, new AssociationOptions { CalledAeTitle = orthanc.AeTitle, CallingAeTitle = "PORTAL" });
        await using var association = await client.OpenAsync(await StorageContexts.ForFilesAsync(files, Ct), Ct);

        foreach (var file in files)
        {
            Assert.Equal(DimseStatus.Success, (await association.StoreFileAsync(file, Ct)).Status);
        }

        await association.ReleaseAsync(Ct);
        Assert.Equal(await InteropAssert.InstanceUidsAsync(files, Ct), (await orthanc.InstanceUidsAsync(Ct)).Order().ToList());
    }

    [Fact]
    public async Task StoreScu_ContextNotAccepted_FailsWithoutSending()
    {
        await using var scp = TestScp.Start(o => o.DefaultPermissions = ImagePortal.Dicom.Network.Server.DicomPermissions.Echo);
        var file = TestFiles.Require("CT_small.dcm");
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle });
        await using var association = await client.OpenAsync([.. await StorageContexts.ForFilesAsync([file], Ct), PresentationContextRequest.Verification()], Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => association.StoreFileAsync(file, Ct));
        Assert.Equal(DimseStatus.Success, await association.EchoAsync(Ct));
        Assert.Empty(scp.AllFiles);
    }
}
