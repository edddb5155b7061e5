using System.Globalization;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The portal started with the demo on, its demo PACS moved to free ports through the seed: every
/// demo PACS answers C-ECHO and C-FIND, DCMTK's findscu finds the generated studies, and a C-MOVE between two
/// demo PACS reaches its destination through the nodes in the database.
/// </summary>
public sealed class DemoNetworkTests(DemoNetworkFixture fixture) : IClassFixture<DemoNetworkFixture>
{
    private static readonly string[] Codes = DemoNetworkFixture.Codes;

    private static readonly string[] Uncompressed = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryDemoPacs_AnswersEchoAndFind_WithItsGeneratedStudies()
    {
        Assert.Equal(Codes.Order(), fixture.Pacs.Select(p => p.FacilityCode).Order());
        foreach (var pacs in fixture.Pacs)
        {
            Assert.Equal(fixture.Ports[pacs.FacilityCode], pacs.Port);
            var client = Client(pacs);

            Assert.Equal(DimseStatus.Success, await client.EchoAsync(Ct));
            await using var association = await client.OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootFind, Uncompressed)], Ct);
            var studies = await association.FindAsync(DicomNetworkUids.StudyRootFind, StudyKeys(), Ct).Where(r => r.Status.IsPending).ToListAsync(Ct);
            await association.ReleaseAsync(Ct);

            // At least the catalogue: the C-MOVE test of this class may have added a study to one of them.
            var catalog = DemoCatalog.StudiesOf(pacs.FacilityCode);
            Assert.InRange(studies.Count, catalog.Count, catalog.Count + 1);
            Assert.Subset(studies.Select(s => s.Identifier!.GetString(DicomTag.PatientID)).ToHashSet(), catalog.Select(s => (string?)s.PatientId).ToHashSet());
        }
    }

    [Fact]
    public async Task DcmtkFindScu_FindsTheGeneratedStudies_OnEveryDemoPacs()
    {
        foreach (var pacs in fixture.Pacs)
        {
            var catalog = DemoCatalog.StudiesOf(pacs.FacilityCode);

            var (exit, log) = await DcmtkTools.RunAsync(
                "findscu",
                ["-v", "-S", "-aet", "FINDSCU", "-aec", pacs.AeTitle, "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID", "-k", "StudyInstanceUID",
                 "-k", "ModalitiesInStudy", "-k", "NumberOfStudyRelatedInstances", "127.0.0.1", pacs.Port.ToString(CultureInfo.InvariantCulture)],
                Ct);

            Assert.True(exit == 0, log);
            Assert.Contains("Received Final Find Response (Success)", log);
            Assert.All(catalog, study => Assert.Contains(study.PatientId, log));
            Assert.InRange(log.Split("Find Response:").Length - 1, catalog.Count, catalog.Count + 1);
        }

        var lic = fixture.Pacs.Single(p => p.FacilityCode == "LIC");
        var (ctExit, ctLog) = await DcmtkTools.RunAsync(
            "findscu",
            ["-v", "-S", "-aet", "FINDSCU", "-aec", lic.AeTitle, "-k", "QueryRetrieveLevel=STUDY", "-k", "ModalitiesInStudy=CT", "-k", "NumberOfStudyRelatedInstances", "127.0.0.1", lic.Port.ToString(CultureInfo.InvariantCulture)],
            Ct);
        Assert.True(ctExit == 0, ctLog);
        Assert.Contains($"[{DemoDataGenerator.CtSlices} ]", ctLog);
    }

    [Fact]
    public async Task CMove_FromOneDemoPacsToAnother_ArrivesThroughTheNodesInTheDatabase()
    {
        var wxc = fixture.Pacs.Single(p => p.FacilityCode == "WXC");
        var tch = fixture.Pacs.Single(p => p.FacilityCode == "TCH");
        await using var association = await Client(wxc).OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootFind, Uncompressed), new PresentationContextRequest(DicomNetworkUids.StudyRootMove, Uncompressed)], Ct);
        var keys = StudyKeys();
        keys.SetString(DicomTag.PatientID, "WXC-3301");
        var study = Assert.Single(await association.FindAsync(DicomNetworkUids.StudyRootFind, keys, Ct).Where(r => r.Status.IsPending).ToListAsync(Ct));
        var studyUid = study.Identifier!.GetString(DicomTag.StudyInstanceUID)!;
        var move = new DicomDataset();
        move.SetString(DicomTag.QueryRetrieveLevel, "STUDY");
        move.SetString(DicomTag.StudyInstanceUID, studyUid);

        var progress = await association.MoveAsync(DicomNetworkUids.StudyRootMove, tch.AeTitle, move, Ct).ToListAsync(Ct);
        await association.ReleaseAsync(Ct);

        Assert.Equal(DimseStatus.Success, progress[^1].Status);
        Assert.Equal((ushort)2, progress[^1].Completed);
        await using var atTch = await Client(tch).OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootFind, Uncompressed)], Ct);
        var byUid = StudyKeys();
        byUid.SetString(DicomTag.StudyInstanceUID, studyUid);
        var arrived = await atTch.FindAsync(DicomNetworkUids.StudyRootFind, byUid, Ct).Where(r => r.Status.IsPending).ToListAsync(Ct);
        await atTch.ReleaseAsync(Ct);
        Assert.Equal("2", Assert.Single(arrived).Identifier!.GetString(DicomTag.NumberOfStudyRelatedInstances));
    }

    private static DicomClient Client(DemoPacs pacs) =>
        new("127.0.0.1", pacs.Port, new AssociationOptions { CallingAeTitle = "DEMOTEST", CalledAeTitle = pacs.AeTitle });

    private static DicomDataset StudyKeys()
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "STUDY");
        keys.SetString(DicomTag.StudyInstanceUID, string.Empty);
        keys.SetString(DicomTag.PatientID, string.Empty);
        keys.SetString(DicomTag.NumberOfStudyRelatedInstances, string.Empty);
        return keys;
    }
}

