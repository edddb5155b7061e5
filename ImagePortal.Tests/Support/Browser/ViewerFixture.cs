using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// A portal (with its web server) whose SBR PACS is one Orthanc holding a CT of <see cref="Slices"/> slices drawn so that
/// every slice differs (a disc that grows from slice to slice, a Hounsfield ramp from lung to bone across it), pydicom's
/// JPEG-LS and RLE files, and another patient's study; and a Chromium. <see cref="Approved"/> is approved with the CT and
/// the pydicom studies, <see cref="Other"/> with the other study, both by SBR for NVH.
/// </summary>
public sealed class ViewerFixture : IAsyncLifetime
{
    public const string Approved = "VIEWER-1";
    public const string Other = "VIEWER-2";
    public const string Imported = "VIEWER-3";
    public const string Syntaxes = "VIEWER-4";

    /// <summary>The studies of <see cref="ViewerToolFiles"/>: a cine, a mammography pair, a MONOCHROME1 radiograph.</summary>
    public const string Tools = "VIEWER-5";

    /// <summary>
    /// pydicom files, one per transfer syntax or colour space, each uploaded as a copy under new UIDs (several of them are
    /// the same MR in other syntaxes, with the same UIDs) and approved on <see cref="Syntaxes"/>.
    /// </summary>
    public static readonly string[] SyntaxFiles =
    [
        "MR_small_bigendian.dcm", "image_dfl.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "JPEG2000.dcm",
        "SC_rgb_jpeg_dcmtk.dcm", "JPEG-lossy.dcm", "SC_rgb_jpeg_gdcm.dcm", "SC_ybr_full_422_uncompressed.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
    ];

    private readonly Dictionary<string, string> _syntaxStudies = new(StringComparer.Ordinal);

    /// <summary>The study UID the copy of <paramref name="name"/> (one of <see cref="SyntaxFiles"/>) has in Orthanc.</summary>
    public string SyntaxStudy(string name) => _syntaxStudies[name];
    public const int Slices = 12;
    public const int Size = 64;

    private readonly TempDirectory _files = new("viewer");
    private readonly BrowserFixture _browser = new();

    public OrthancPeer Orthanc { get; private set; } = null!;

    public PortalApp App => _browser.App;

    public string CtStudy { get; private set; } = null!;

    /// <summary>A CT of three slices whose middle one is a JPEG-LS frame of garbage that no decoder can read.</summary>
    public string BrokenStudy { get; private set; } = null!;

    public SyntheticStudy OtherStudy { get; private set; } = null!;

    public string CineStudy { get; } = SyntheticStudy.NewUid();

    public string MammographyStudy { get; } = SyntheticStudy.NewUid();

    public string Monochrome1Study { get; } = SyntheticStudy.NewUid();

    /// <summary>The MONOCHROME1 files as uploaded (for pydicom to read): PA (with a window), LAT (without).</summary>
    public IReadOnlyList<string> Monochrome1Files { get; private set; } = [];

    /// <summary>MR_small_jpeg_ls_lossless.dcm (JPEG-LS), SC_rgb_rle_2frame.dcm (RLE, colour, two frames).</summary>
    public IReadOnlyList<string> Corpus { get; private set; } = [];

    public string StudyOf(string file) => DicomFile.Open(file).Dataset.GetUid(DicomTag.StudyInstanceUID)!;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Orthanc = await OrthancPeer.StartAsync(cancellationToken: cancellationToken);
        CtStudy = SyntheticStudy.NewUid();
        BrokenStudy = SyntheticStudy.NewUid();
        var ct = WriteCt(_files.Combine("ct"), CtStudy, Slices);
        var ctInstances = ct.Select(f => DicomFile.Open(f).Dataset.GetUid(DicomTag.SOPInstanceUID)!).ToList();
        foreach (var file in ct.Concat(WriteCt(_files.Combine("broken"), BrokenStudy, 3, brokenSlice: 1)))
        {
            await Orthanc.UploadAsync(await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
        }

        OtherStudy = SyntheticStudy.Write(_files.Combine("other"), patientName: "OTHER^PATIENT", patientId: "SBR-7102", series: 1, imagesPerSeries: 1);
        await OtherStudy.UploadToAsync(Orthanc, cancellationToken);
        Corpus = [TestFiles.Require("MR_small_jpeg_ls_lossless.dcm"), TestFiles.Require("SC_rgb_rle_2frame.dcm")];
        foreach (var file in Corpus)
        {
            await Orthanc.UploadAsync(await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
        }

        foreach (var name in SyntaxFiles)
        {
            var copy = DicomFile.Open(TestFiles.Require(name));
            _syntaxStudies[name] = SyntheticStudy.NewUid();
            copy.Dataset.SetString(DicomTag.StudyInstanceUID, _syntaxStudies[name]);
            copy.Dataset.SetString(DicomTag.SeriesInstanceUID, SyntheticStudy.NewUid());
            var sop = SyntheticStudy.NewUid();
            copy.Dataset.SetString(DicomTag.SOPInstanceUID, sop);
            copy.FileMetaInformation.SetString(DicomTag.MediaStorageSOPInstanceUID, sop);
            var path = _files.Combine($"syntax-{name}");
            copy.Save(path);
            await Orthanc.UploadAsync(await File.ReadAllBytesAsync(path, cancellationToken), cancellationToken);
        }

        Monochrome1Files = ViewerToolFiles.WriteMonochrome1(_files.Combine("tools"), Monochrome1Study);
        foreach (var file in ViewerToolFiles.WriteMammography(_files.Combine("tools"), MammographyStudy)
                     .Append(ViewerToolFiles.WriteCine(_files.Combine("tools"), CineStudy)).Concat(Monochrome1Files))
        {
            await Orthanc.UploadAsync(await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
        }

        await _browser.InitializeAsync();
        await App.InScopeAsync(async provider =>
        {
            await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(cancellationToken);
            await DicomWebFixture.PointAtAsync(db, "SBR", Orthanc.AeTitle, Orthanc.DicomPort, cancellationToken);
            var facilities = await ApprovedJobs.FacilitiesAsync(db, cancellationToken);
            var now = DateTimeOffset.UtcNow;
            var patient = new SourcePatient("SBR-7101", null, "VIEWER^CT", null);
            DicomWebFixture.Approve(db, facilities, Approved, [CtStudy, BrokenStudy, .. Corpus.Select(StudyOf)], patient, now);
            DicomWebFixture.Approve(db, facilities, Other, [OtherStudy.StudyInstanceUid], OtherStudy.Patient, now);

            // The CT imported into NVH's PACS (the same Orthanc) for a completed request: what its clerk may view.
            var nvhNode = await DicomWebFixture.PointAtAsync(db, "NVH", Orthanc.AeTitle, Orthanc.DicomPort, cancellationToken);
            var imported = DicomWebFixture.Approve(db, facilities, Imported, [CtStudy], patient, now);
            var job = RetrievalJob.For(imported, now);
            db.RetrievalJobs.Add(job);
            foreach (var sop in ctInstances)
            {
                db.ImportedInstances.Add(new ImportedInstance(job.Id, nvhNode, CtStudy, sop, 8192, now));
            }

            DicomWebFixture.Approve(db, facilities, Syntaxes, _syntaxStudies.Values, patient, now);
            DicomWebFixture.Approve(db, facilities, Tools, [CineStudy, MammographyStudy, Monochrome1Study], new SourcePatient("SBR-7103", null, "VIEWER^TOOLS", null), now);
            imported.StartRetrieval(now);
            imported.CompleteRetrieval(ctInstances.Count, 0, now);
            return await db.SaveChangesAsync(cancellationToken);
        });
    }

    public Task<Microsoft.Playwright.IBrowserContext> NewContextAsync() => _browser.NewContextAsync();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await Orthanc.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>
    /// One CT series: air around a disc of radius 8 + 2 × slice, inside it a ramp from -900 HU (left) to 1100 HU (right);
    /// the <paramref name="brokenSlice"/>, if any, is JPEG-LS whose one fragment is not JPEG-LS at all.
    /// </summary>
    private static List<string> WriteCt(string folder, string studyUid, int slices, int? brokenSlice = null)
    {
        Directory.CreateDirectory(folder);
        var seriesUid = SyntheticStudy.NewUid();
        var files = new List<string>();
        for (var slice = 0; slice < slices; slice++)
        {
            var dataset = new DicomDataset();
            dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
            dataset.SetString(DicomTag.SOPClassUID, SyntheticStudy.CtImageStorage);
            dataset.SetString(DicomTag.SOPInstanceUID, SyntheticStudy.NewUid());
            dataset.SetString(DicomTag.StudyDate, "20250301");
            dataset.SetString(DicomTag.StudyTime, "101500");
            dataset.SetString(DicomTag.AccessionNumber, "ACC7101");
            dataset.SetString(DicomTag.Modality, "CT");
            dataset.SetString(DicomTag.StudyDescription, "CT head");
            dataset.SetString(DicomTag.SeriesDescription, "Axial 2 mm");
            dataset.SetString(DicomTag.PatientName, "VIEWER^CT");
            dataset.SetString(DicomTag.PatientID, "SBR-7101");
            dataset.SetString(DicomTag.PatientBirthDate, "19700101");
            dataset.SetString(DicomTag.PatientSex, "M");
            dataset.SetString(DicomTag.StudyInstanceUID, studyUid);
            dataset.SetString(DicomTag.SeriesInstanceUID, seriesUid);
            dataset.SetString(DicomTag.StudyID, "1");
            dataset.SetString(DicomTag.SeriesNumber, "1");
            dataset.SetString(DicomTag.InstanceNumber, (slice + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            dataset.SetString(DicomTag.ImagePositionPatient, $"0\\0\\{slice * 2}");
            dataset.SetString(DicomTag.ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
            dataset.SetString(DicomTag.PixelSpacing, "1\\1");
            dataset.SetString(DicomTag.SliceThickness, "2");
            dataset.SetString(DicomTag.RescaleIntercept, "-1024");
            dataset.SetString(DicomTag.RescaleSlope, "1");
            dataset.SetString(DicomTag.WindowCenter, "40");
            dataset.SetString(DicomTag.WindowWidth, "400");
            dataset.SetUInt16(DicomTag.SamplesPerPixel, 1);
            dataset.SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2");
            dataset.SetUInt16(DicomTag.Rows, Size);
            dataset.SetUInt16(DicomTag.Columns, Size);
            dataset.SetUInt16(DicomTag.BitsAllocated, 16);
            dataset.SetUInt16(DicomTag.BitsStored, 12);
            dataset.SetUInt16(DicomTag.HighBit, 11);
            dataset.SetUInt16(DicomTag.PixelRepresentation, 0);
            var pixels = new ushort[Size * Size];
            var radius = 8 + (2 * slice);
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var dx = x - (Size / 2);
                    var dy = y - (Size / 2);
                    var hu = (dx * dx) + (dy * dy) <= radius * radius ? -900 + (2000 * x / (Size - 1)) : -1000;
                    pixels[(y * Size) + x] = (ushort)(hu + 1024);
                }
            }

            var path = Path.Combine(folder, $"ct{slice:D2}.dcm");
            if (slice == brokenSlice)
            {
                var garbage = Enumerable.Range(0, 256).Select(i => (byte)(i * 37)).ToArray();
                dataset.Add(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.FromBytes(Array.Empty<byte>()), [DicomBuffer.FromBytes(garbage)]));
                DicomFile.Create(dataset, DicomTransferSyntax.Lookup("1.2.840.10008.1.2.4.80")).Save(path);
                files.Add(path);
                continue;
            }

            dataset.SetValues(DicomTag.PixelData, DicomVR.OW, pixels);
            DicomFile.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
            files.Add(path);
        }

        return files;
    }
}
