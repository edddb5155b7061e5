using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>The demo data generator writes valid, realistic, deterministic DICOM that DCMTK and Orthanc accept.</summary>
public sealed class DemoDataTests : IDisposable
{
    private readonly TempDirectory _folder = new("demo-data");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Lic_HasCtOf100PlusSlices_FourViewMammograms_AndAChestXray_WithRealisticTags_Quickly()
    {
        var started = Stopwatch.GetTimestamp();
        var files = DemoDataGenerator.Generate(_folder.Path, "LIC", "Lakeshore Imaging Centre", DemoCatalog.StudiesOf("LIC"));
        var elapsed = Stopwatch.GetElapsedTime(started);

        var datasets = Directory.GetFiles(_folder.Path, "*.dcm", SearchOption.AllDirectories)
            .Select(path => DicomFile.Open(path, new DicomReaderOptions { StopAtTag = DicomTag.PixelData }).Dataset)
            .ToList();
        var ct = datasets.Where(d => d.GetString(DicomTag.Modality) == "CT").ToList();
        var firstMammogram = datasets.Where(d => d.GetString(DicomTag.Modality) == "MG").GroupBy(d => d.GetString(DicomTag.StudyInstanceUID)).First().ToList();

        Assert.Equal(files, datasets.Count);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"Generating LIC took {elapsed}.");
        Assert.Equal(DemoDataGenerator.CtSlices, ct.Count);
        Assert.True(ct.Count >= 100);
        Assert.Single(ct.Select(d => d.GetString(DicomTag.SeriesInstanceUID)).Distinct());
        Assert.Equal(["L CC", "L MLO", "R CC", "R MLO"], firstMammogram.Select(d => $"{d.GetString(DicomTag.ImageLaterality)} {d.GetString(DicomTag.ViewPosition)}").Order());
        Assert.Contains(datasets, d => d.GetString(DicomTag.Modality) == "CR" && d.GetString(DicomTag.ViewPosition) == "LL");
        var sample = ct[0];
        Assert.Equal("Ó Súilleabháin^Pádraig", sample.GetString(DicomTag.PatientName));
        Assert.Equal("ISO_IR 100", sample.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("LIC-20931", sample.GetString(DicomTag.PatientID));
        Assert.Equal("LIC-MRN", sample.GetString(DicomTag.IssuerOfPatientID));
        Assert.Equal("Lakeshore Imaging Centre", sample.GetString(DicomTag.InstitutionName));
        Assert.Equal("ABDOMEN", sample.GetString(DicomTag.BodyPartExamined));
        Assert.Equal("Keane^Máire^^Dr.", sample.GetString(DicomTag.ReferringPhysicianName));
        Assert.False(string.IsNullOrEmpty(sample.GetString(DicomTag.AccessionNumber)));
        Assert.Equal((ushort)128, sample.GetUInt16(DicomTag.Rows));
    }

    [Fact]
    public void NamesOutsideLatin1_AreWrittenInUtf8_AndReadBack()
    {
        DemoDataGenerator.Generate(_folder.Path, "TCH", "Tullyross Community Hospital", DemoCatalog.StudiesOf("TCH").Take(1).ToList());

        var dataset = DicomFile.Open(Directory.GetFiles(_folder.Path, "*.dcm", SearchOption.AllDirectories)[0], new DicomReaderOptions { StopAtTag = DicomTag.PixelData }).Dataset;

        Assert.Equal("ISO_IR 192", dataset.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("Kowalczyk^Łucja", dataset.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void Generation_IsDeterministic()
    {
        var first = Path.Combine(_folder.Path, "first");
        var second = Path.Combine(_folder.Path, "second");

        DemoDataGenerator.Generate(first, "RCH", "Ridgeway Community Hospital", DemoCatalog.StudiesOf("RCH"));
        DemoDataGenerator.Generate(second, "RCH", "Ridgeway Community Hospital", DemoCatalog.StudiesOf("RCH"));

        var firstHashes = Hashes(first);
        Assert.Equal(4, firstHashes.Count);
        Assert.Equal(firstHashes, Hashes(second));
    }

    [Fact]
    public async Task DcmdumpReadsEveryKindOfDemoImage()
    {
        var dcmdump = ExternalTools.Require("dcmdump", "dcmtk");
        var samples = SamplesOfEveryKind();

        foreach (var sample in samples)
        {
            var (exit, output) = await PeerProcess.RunAsync(dcmdump, ["-q", "+E", sample], _folder.Path, TimeSpan.FromSeconds(30), new Dictionary<string, string>(), Ct);
            Assert.True(exit == 0, $"{sample}: {output}");
        }
    }

    [Fact]
    public async Task OrthancAcceptsACStoreOfEveryKindOfDemoImage()
    {
        var samples = SamplesOfEveryKind();
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);

        var (exit, log) = await DcmtkTools.RunAsync("storescu", ["-aec", orthanc.AeTitle, "127.0.0.1", orthanc.DicomPort.ToString(CultureInfo.InvariantCulture), .. samples], Ct, tcpNoDelay: true);

        Assert.True(exit == 0, log);
        var expected = samples.Select(s => DicomFile.Open(s, new DicomReaderOptions { StopAtTag = DicomTag.PixelData }).Dataset.GetString(DicomTag.SOPInstanceUID)!).Order();
        Assert.Equal(expected, (await orthanc.InstanceUidsAsync(Ct)).Order());
    }

    /// <summary>One CT slice, one mammogram, one CR, one DX, and one UTF-8 image.</summary>
    private List<string> SamplesOfEveryKind()
    {
        var studies = new List<DemoStudy>
        {
            DemoCatalog.StudiesOf("LIC")[0],
            DemoCatalog.StudiesOf("LIC")[2],
            DemoCatalog.StudiesOf("RCH")[0],
            DemoCatalog.StudiesOf("RCH")[1],
            DemoCatalog.StudiesOf("TCH")[0],
        };
        DemoDataGenerator.Generate(_folder.Path, "TST", "Test Facility", studies);
        return Directory.GetDirectories(_folder.Path).Order().Select(d => Directory.GetFiles(d, "*.dcm").Order().First()).ToList();
    }

    private static Dictionary<string, string> Hashes(string folder) =>
        Directory.GetFiles(folder, "*.dcm", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetRelativePath(folder, p), p => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))));
}
