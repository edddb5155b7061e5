using System.Net;
using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>An Orthanc with its DICOMweb plugin, holding an uncompressed CT and a JPEG 2000 MR (pydicom's files).</summary>
public sealed class DicomWebOrthancFixture : IAsyncLifetime
{
    public const string User = "portal";
    public const string Password = "dicomweb-secret";

    public OrthancPeer Orthanc { get; private set; } = null!;

    public ServiceProvider Services { get; } = new ServiceCollection()
        .AddDicomWebClient(o => o.RetryDelay = TimeSpan.FromMilliseconds(20))
        .BuildServiceProvider();

    public static string Uncompressed => TestFiles.Require("CT_small.dcm");

    public static string Compressed => TestFiles.Require("MR_small_jp2klossless.dcm");

    public DicomWebClient Client(DicomWebOptions? options = null) =>
        Services.GetRequiredService<DicomWebClients>().For(options ?? new DicomWebOptions { BaseUrl = Orthanc.DicomWebRoot });

    public async ValueTask InitializeAsync()
    {
        Orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { DicomWeb = true }, TestContext.Current.CancellationToken);
        foreach (var file in new[] { Uncompressed, Compressed })
        {
            await Orthanc.UploadAsync(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Orthanc is not null)
        {
            await Orthanc.DisposeAsync();
        }

        await Services.DisposeAsync();
    }
}

/// <summary>
/// <see cref="DicomWebClient"/> against a real Orthanc with its DICOMweb plugin (Debian orthanc-dicomweb): QIDO-RS reads
/// Orthanc's own DICOM JSON, WADO-RS gives the pixel data byte for byte in the stored transfer syntax, STOW-RS stores
/// and reports a refused instance with its reason, and basic authentication refuses a wrong password readably.
/// </summary>
public sealed class DicomWebClientOrthancTests(DicomWebOrthancFixture fixture) : IClassFixture<DicomWebOrthancFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Qido_FindsTheStudyLoadedIntoOrthanc_ItsSeriesAndInstances_WithTheFilesValues()
    {
        var file = DicomFile.Open(DicomWebOrthancFixture.Uncompressed).Dataset;
        var studyUid = file.GetUid(DicomTag.StudyInstanceUID)!;
        var client = fixture.Client();

        var studies = await client.SearchStudiesAsync(
            new DicomWebQuery { Match = new Dictionary<string, string> { ["PatientID"] = file.GetString(DicomTag.PatientID)! }, IncludeFields = ["StudyDescription"] },
            Ct).ToListAsync(Ct);

        var study = Assert.Single(studies);
        Assert.Equal(studyUid, study.GetUid(DicomTag.StudyInstanceUID));
        Assert.Equal(file.GetString(DicomTag.PatientName), study.GetString(DicomTag.PatientName));
        Assert.Equal(file.GetDate(DicomTag.StudyDate), study.GetDate(DicomTag.StudyDate));

        var series = Assert.Single(await client.SearchSeriesAsync(studyUid, new DicomWebQuery(), Ct).ToListAsync(Ct));
        Assert.Equal(file.GetUid(DicomTag.SeriesInstanceUID), series.GetUid(DicomTag.SeriesInstanceUID));
        Assert.Equal("CT", series.GetString(DicomTag.Modality));

        var instance = Assert.Single(await client.SearchInstancesAsync(studyUid, series.GetUid(DicomTag.SeriesInstanceUID), new DicomWebQuery { IncludeFields = ["Rows", "Columns"] }, Ct).ToListAsync(Ct));
        Assert.Equal(file.GetUid(DicomTag.SOPInstanceUID), instance.GetUid(DicomTag.SOPInstanceUID));
        Assert.Equal(file.GetUInt16(DicomTag.Rows), instance.GetUInt16(DicomTag.Rows));

        var none = await client.SearchStudiesAsync(new DicomWebQuery { Match = new Dictionary<string, string> { ["PatientID"] = "nobody-here" } }, Ct).ToListAsync(Ct);
        Assert.Empty(none);
    }

    [Fact]
    public async Task OrthancsMetadataJson_ReadsToTheFilesData_ApartFromWhatItGivesAsBulkData()
    {
        var file = DicomFile.Open(DicomWebOrthancFixture.Uncompressed).Dataset;
        var bulk = new HashSet<string>();

        var json = await fixture.Orthanc.Http.GetStringAsync($"dicom-web/studies/{file.GetUid(DicomTag.StudyInstanceUID)}/metadata", Ct);
        var read = Assert.Single(DicomJsonReader.ReadArray(json, (tag, _, _) =>
        {
            bulk.Add(tag.Value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
            return null;
        }));

        Assert.Contains("7FE00010", bulk);
        var differences = Dicom.DicomJsonComparer.Compare(DicomJsonWriter.Serialize(read), DicomJsonWriter.Serialize(file), bulk);
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Theory]
    [InlineData("CT_small.dcm")]
    [InlineData("MR_small_jp2klossless.dcm")]
    public async Task WadoRetrieve_OfAStudy_GivesTheFile_InItsTransferSyntax_PixelDataByteIdentical(string name)
    {
        var path = TestFiles.Require(name);
        var original = DicomFile.Open(path);
        using var spool = new TempDirectory("dicomweb-spool");
        var files = new List<string>();

        var count = await fixture.Client().RetrieveAsync(original.Dataset.GetUid(DicomTag.StudyInstanceUID)!, null, null, async (part, ct) =>
        {
            Assert.Equal("application/dicom", part.ContentType.Split(';')[0]);
            var file = spool.Combine($"{part.Index}.dcm");
            await using (var output = File.Create(file))
            {
                await part.Body.CopyToAsync(output, ct);
            }

            files.Add(file);
        }, Ct);

        Assert.Equal(1, count);
        var retrieved = DicomFile.Open(Assert.Single(files));
        Assert.Equal(original.TransferSyntax.Uid, retrieved.TransferSyntax.Uid);
        Assert.Equal(PixelBytes(original), PixelBytes(retrieved));
    }

    [Fact]
    public async Task Stow_StoresIntoOrthanc_AndAnInstanceOfAnotherStudy_FailsWithItsReason()
    {
        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { DicomWeb = true }, Ct);
        var client = fixture.Client(new DicomWebOptions { BaseUrl = orthanc.DicomWebRoot, StowBatchSize = 1 });
        var ct = Instance("CT_small.dcm");
        var mr = Instance("MR_small_implicit.dcm");

        var stored = await client.StoreAsync([ct.Instance, mr.Instance], cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal([StowStatus.Stored, StowStatus.Stored], stored.Select(o => o.Status));
        Assert.Equal([ct.Instance.SopInstanceUid, mr.Instance.SopInstanceUid], stored.Select(o => o.SopInstanceUid));
        Assert.Equal(new[] { ct.Instance.SopInstanceUid, mr.Instance.SopInstanceUid }.Order(), (await orthanc.InstanceUidsAsync(Ct)).Order());

        // Sent to the CT's study, the MR is refused by Orthanc (409, Failed SOP Sequence, 0x0110) and the CT is stored again.
        var partial = await client.StoreAsync([ct.Instance, mr.Instance], ct.StudyUid, Ct).ToListAsync(Ct);

        Assert.Equal(StowStatus.Stored, partial[0].Status);
        var failed = partial[1];
        Assert.Equal(StowStatus.Failed, failed.Status);
        Assert.Equal(mr.Instance.SopInstanceUid, failed.SopInstanceUid);
        Assert.Equal((ushort)0x0110, failed.ReasonCode);
        Assert.Contains("processing failure", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BasicAuthentication_RightPassword_Searches_Stores_AndRetrieves_WrongPassword_IsAReadable401()
    {
        await using var orthanc = await OrthancPeer.StartAsync(
            new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (DicomWebOrthancFixture.User, DicomWebOrthancFixture.Password) }, Ct);
        var node = new DicomWebOptions
        {
            BaseUrl = orthanc.DicomWebRoot,
            Authentication = DicomWebAuthentication.Basic,
            UserName = DicomWebOrthancFixture.User,
            Password = DicomWebOrthancFixture.Password,
        };

        var client = fixture.Client(node);
        Assert.Empty(await client.SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));
        var ct = Instance("CT_small.dcm");
        Assert.Equal(StowStatus.Stored, Assert.Single(await client.StoreAsync([ct.Instance], cancellationToken: Ct).ToListAsync(Ct)).Status);
        var retrieved = new List<long>();
        Assert.Equal(1, await client.RetrieveAsync(ct.StudyUid, null, null, async (part, token) =>
        {
            using var copy = new MemoryStream();
            await part.Body.CopyToAsync(copy, token);
            retrieved.Add(copy.Length);
        }, Ct));
        Assert.Equal([ct.Instance.Length], retrieved);

        var error = await Assert.ThrowsAsync<DicomWebException>(async () =>
            await fixture.Client(node with { Password = "wrong" }).SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused the credentials", error.Message, StringComparison.Ordinal);
        Assert.Contains(orthanc.DicomWebRoot.GetLeftPart(UriPartial.Authority), error.Message, StringComparison.Ordinal);
    }

    private static (StowInstance Instance, string StudyUid) Instance(string name)
    {
        var path = TestFiles.Require(name);
        var dataset = DicomFile.Open(path).Dataset;
        return (StowInstance.FromFile(dataset.GetUid(DicomTag.SOPClassUID)!, dataset.GetUid(DicomTag.SOPInstanceUID)!, path), dataset.GetUid(DicomTag.StudyInstanceUID)!);
    }

    /// <summary>Native pixel data, or the encapsulated fragments one after the other.</summary>
    internal static byte[] PixelBytes(DicomFile file) => file.Dataset.Find(DicomTag.PixelData) switch
    {
        DicomElement element => element.Buffer.GetBytes().ToArray(),
        DicomFragmentSequence fragments => fragments.Fragments.SelectMany(f => f.GetBytes().ToArray()).ToArray(),
        _ => throw new InvalidOperationException("No pixel data."),
    };
}
