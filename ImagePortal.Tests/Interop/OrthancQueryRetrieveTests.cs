using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

public sealed class OrthancQueryRetrieveTests(OrthancWithStudiesFixture fixture) : IClassFixture<OrthancWithStudiesFixture>
{
    private static readonly string[] UncompressedSyntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FindStudy_WithLatin1WildcardPatientName_ReturnsTheStudyDecoded()
    {
        var keys = Keys("STUDY");
        keys.SetString(DicomTag.PatientName, "Mü*");

        var matches = await FindAsync(DicomNetworkUids.StudyRootFind, keys);

        var match = Assert.Single(matches);
        Assert.Equal(fixture.Latin1Study.StudyInstanceUid, match.GetUid(DicomTag.StudyInstanceUID));
        Assert.Equal("Müller^Jürgen", match.GetString(DicomTag.PatientName));
    }

    [Theory]
    [InlineData("20240101-20240131", "PID-0001")]
    [InlineData("-20231231", "PID-0002")]
    [InlineData("20231105", "PID-0002")]
    [InlineData("20230101-", "PID-0001,PID-0002")]
    [InlineData("20250101-", "")]
    public async Task FindStudy_ByDateRange_MatchesPs34C2_2_2_5(string range, string expectedPatients)
    {
        var keys = Keys("STUDY");
        keys.SetString(DicomTag.StudyDate, range);

        var matches = await FindAsync(DicomNetworkUids.StudyRootFind, keys);

        Assert.Equal(
            expectedPatients.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(),
            matches.Select(m => m.GetString(DicomTag.PatientID)!).Order());
    }

    [Fact]
    public async Task FindSeriesAndImages_UnderOneStudy()
    {
        var series = Keys("SERIES");
        series.SetString(DicomTag.StudyInstanceUID, fixture.Latin1Study.StudyInstanceUid);
        series.SetString(DicomTag.SeriesInstanceUID, string.Empty);
        series.SetString(DicomTag.Modality, string.Empty);

        var seriesMatches = await FindAsync(DicomNetworkUids.StudyRootFind, series);

        Assert.Equal(fixture.Latin1Study.SeriesInstanceUids.Order(), seriesMatches.Select(m => m.GetUid(DicomTag.SeriesInstanceUID)!).Order());

        var images = Keys("IMAGE");
        images.SetString(DicomTag.StudyInstanceUID, fixture.Latin1Study.StudyInstanceUid);
        images.SetString(DicomTag.SeriesInstanceUID, fixture.Latin1Study.SeriesInstanceUids[0]);
        images.SetString(DicomTag.SOPInstanceUID, string.Empty);

        var imageMatches = await FindAsync(DicomNetworkUids.StudyRootFind, images);

        Assert.Equal(fixture.Latin1Study.SopInstanceUids.Take(3).Order(), imageMatches.Select(m => m.GetUid(DicomTag.SOPInstanceUID)!).Order());
    }

    [Fact]
    public async Task FindPatient_WithPatientRoot()
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "PATIENT");
        keys.SetString(DicomTag.PatientID, "PID-0002");
        keys.SetString(DicomTag.PatientName, string.Empty);

        var match = Assert.Single(await FindAsync(DicomNetworkUids.PatientRootFind, keys));

        Assert.Equal("Smith^John", match.GetString(DicomTag.PatientName));
    }

    [Fact]
    public async Task GetStudy_FromOrthanc_StreamsEveryInstanceToTheSink()
    {
        using var folder = new TempDirectory("get");
        var sink = new FolderStoreProvider(folder.Path);
        await using var association = await fixture.Client().OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, UncompressedSyntaxes), .. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], UncompressedSyntaxes)],
            Ct);
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "STUDY");
        keys.SetString(DicomTag.StudyInstanceUID, fixture.Latin1Study.StudyInstanceUid);

        var progress = await association.GetAsync(DicomNetworkUids.StudyRootGet, keys, sink, Ct).ToListAsync(Ct);
        await association.ReleaseAsync(Ct);

        var final = progress[^1];
        Assert.Equal(DimseStatus.Success, final.Status);
        Assert.Equal((ushort)6, final.Completed);
        Assert.Equal((ushort)0, final.Failed ?? 0);
        Assert.Equal(fixture.Latin1Study.SopInstanceUids.Order(), await InteropAssert.InstanceUidsAsync(Directory.GetFiles(folder.Path, "*.dcm"), Ct));
    }

    [Fact]
    public async Task MoveSeries_FromOrthanc_ToOurScp()
    {
        var before = fixture.Scp.StoredFiles.Count;
        await using var association = await fixture.Client().OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootMove, UncompressedSyntaxes)], Ct);
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "SERIES");
        keys.SetString(DicomTag.StudyInstanceUID, fixture.OtherStudy.StudyInstanceUid);
        keys.SetString(DicomTag.SeriesInstanceUID, fixture.OtherStudy.SeriesInstanceUids[0]);

        var progress = await association.MoveAsync(DicomNetworkUids.StudyRootMove, fixture.Scp.AeTitle, keys, Ct).ToListAsync(Ct);
        await association.ReleaseAsync(Ct);

        Assert.Equal(DimseStatus.Success, progress[^1].Status);
        Assert.Equal((ushort)2, progress[^1].Completed);
        var received = await InteropAssert.InstanceUidsAsync(fixture.Scp.StoredFiles, Ct);
        Assert.Equal(before + 2, received.Count);
        Assert.Subset(received.ToHashSet(), fixture.OtherStudy.SopInstanceUids.ToHashSet());
    }

    [Fact]
    public async Task Move_ToUnknownDestination_FailsAndTheAssociationStaysUsable()
    {
        await using var association = await fixture.Client().OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootMove, UncompressedSyntaxes)], Ct);
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "STUDY");
        keys.SetString(DicomTag.StudyInstanceUID, fixture.OtherStudy.StudyInstanceUid);

        var progress = await association.MoveAsync(DicomNetworkUids.StudyRootMove, "NOSUCHAE", keys, Ct).ToListAsync(Ct);

        // Orthanc answers C000 rather than A801 (PS3.4 C.4.2.1.5); either is a failure.
        Assert.Equal(DimseStatusClass.Failure, Assert.Single(progress).Status.Class);
        Assert.True(association.IsEstablished);
        await association.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task OrthancAsScu_EchoAndStore_IntoOurScp()
    {
        await fixture.Orthanc.PostJsonAsync("modalities/portal/echo", new { }, Ct);
        var before = fixture.Scp.StoredFiles.Count;
        var instances = await fixture.Orthanc.GetJsonAsync("instances", Ct);
        var first = instances.EnumerateArray().First().GetString()!;

        await fixture.Orthanc.PostJsonAsync("modalities/portal/store", new { Resources = new[] { first }, Synchronous = true }, Ct);

        Assert.Equal(before + 1, fixture.Scp.StoredFiles.Count);
    }

    private static DicomDataset Keys(string level)
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        keys.SetString(DicomTag.QueryRetrieveLevel, level);
        if (level == "STUDY")
        {
            keys.SetString(DicomTag.StudyInstanceUID, string.Empty);
            keys.SetString(DicomTag.StudyDate, string.Empty);
            keys.SetString(DicomTag.PatientName, string.Empty);
            keys.SetString(DicomTag.PatientID, string.Empty);
        }

        return keys;
    }

    private async Task<List<DicomDataset>> FindAsync(string sopClass, DicomDataset keys)
    {
        await using var association = await fixture.Client().OpenAsync([new PresentationContextRequest(sopClass, UncompressedSyntaxes)], Ct);
        var results = await association.FindAsync(sopClass, keys, Ct).ToListAsync(Ct);
        await association.ReleaseAsync(Ct);
        Assert.Equal(DimseStatus.Success, results[^1].Status);
        Assert.All(results[..^1], r => Assert.True(r.Status.IsPending));
        return results[..^1].Select(r => r.Identifier!).ToList();
    }
}
