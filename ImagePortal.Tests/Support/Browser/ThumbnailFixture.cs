using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// A portal whose SBR PACS (and NVH's, for the clerk) is one Orthanc holding two of the demo's SBR studies as the demo
/// writes them (Áine's four-view screening mammogram, four series of one image; Pádraig's CT head of 104 slices) and a
/// study whose one image is a JPEG-LS frame no decoder can read. Two open requests, claimed by SBR's approver, ask for
/// Áine's and Pádraig's images (for the look-up); <see cref="Approved"/> was approved with the CT and the broken study,
/// imported (the CT only) into NVH's PACS, its retrieval finished.
/// </summary>
public sealed class ThumbnailFixture : IAsyncLifetime
{
    public const string Mammography = "THUMBS-MG";
    public const string Ct = "THUMBS-CT";
    public const string Approved = "THUMBS-1";

    private readonly TempDirectory _files = new("thumbnails");
    private readonly BrowserFixture _browser = new();

    public OrthancPeer Orthanc { get; private set; } = null!;

    public PortalApp App => _browser.App;

    public string MammographyStudy { get; private set; } = null!;

    public string CtStudy { get; private set; } = null!;

    public string CtSeries { get; private set; } = null!;

    public string BrokenStudy { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Orthanc = await OrthancPeer.StartAsync(cancellationToken: cancellationToken);
        var demo = DemoCatalog.StudiesOf("SBR").Where(s => s.PatientId is "SBR-81002" or "SBR-88213").ToList();
        DemoDataGenerator.Generate(_files.Combine("demo"), "SBR", "St. Brigid's Regional Hospital", demo);
        var files = Directory.GetFiles(_files.Combine("demo"), "*.dcm", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            var dataset = DicomFile.Open(file).Dataset;
            if (dataset.GetString(DicomTag.Modality) == "MG")
            {
                MammographyStudy = dataset.GetUid(DicomTag.StudyInstanceUID)!;
            }
            else
            {
                CtStudy = dataset.GetUid(DicomTag.StudyInstanceUID)!;
                CtSeries = dataset.GetUid(DicomTag.SeriesInstanceUID)!;
            }

            await Orthanc.UploadAsync(await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
        }

        BrokenStudy = SyntheticStudy.NewUid();
        await Orthanc.UploadAsync(await File.ReadAllBytesAsync(WriteBroken(_files.Combine("broken.dcm"), BrokenStudy), cancellationToken), cancellationToken);
        var ctInstances = files.Select(f => DicomFile.Open(f).Dataset).Where(d => d.GetUid(DicomTag.StudyInstanceUID) == CtStudy)
            .Select(d => d.GetUid(DicomTag.SOPInstanceUID)!).ToList();

        await _browser.InitializeAsync();
        await App.InScopeAsync(async provider =>
        {
            await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(cancellationToken);
            await DicomWebFixture.PointAtAsync(db, "SBR", Orthanc.AeTitle, Orthanc.DicomPort, cancellationToken);
            var nvhNode = await DicomWebFixture.PointAtAsync(db, "NVH", Orthanc.AeTitle, Orthanc.DicomPort, cancellationToken);
            var facilities = await ApprovedJobs.FacilitiesAsync(db, cancellationToken);
            var approver = await db.Users.SingleAsync(u => u.UserName == DemoUsers.ApproverSbr.UserName, cancellationToken);
            var now = DateTimeOffset.UtcNow;
            foreach (var (number, family, given, sourceMrn) in new[] { (Mammography, "Ní Bhriain", "Áine", "SBR-81002"), (Ct, "Ó Súilleabháin", "Pádraig", "SBR-88213") })
            {
                var open = ImageRequest.Submit(number, facilities.Nvh, facilities.Sbr, new PatientDetails(family, given, null, PatientSex.Unknown, sourceMrn, "NVH-" + number),
                    new RequestScope([], null, null, null, null), "Compare", RequestPriority.Routine, now.AddDays(1), "clerk", now);
                open.Claim(approver.Id, now);
                db.ImageRequests.Add(open);
            }

            var approved = DicomWebFixture.Approve(db, facilities, Approved, [CtStudy, BrokenStudy], new SourcePatient("SBR-88213", null, null, null), now);
            var job = RetrievalJob.For(approved, now);
            db.RetrievalJobs.Add(job);
            foreach (var sop in ctInstances)
            {
                db.ImportedInstances.Add(new ImportedInstance(job.Id, nvhNode, CtStudy, sop, 32768, now));
            }

            approved.StartRetrieval(now);
            approved.CompleteRetrieval(ctInstances.Count, 0, now);
            await db.SaveChangesAsync(cancellationToken);

            // The retrieval as the worker leaves it: finished, the CT's instances done.
            await db.RetrievalJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(
                j => j.SetProperty(x => x.State, RetrievalJobState.Succeeded).SetProperty(x => x.DoneInstances, ctInstances.Count), cancellationToken);
            return await db.Set<RetrievalStudyProgress>().Where(s => s.JobId == job.Id && s.StudyInstanceUid == CtStudy)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.DoneInstances, ctInstances.Count), cancellationToken);
        });
    }

    public Task<IBrowserContext> NewContextAsync() => _browser.NewContextAsync();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await Orthanc.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>A one-image CT study whose frame is JPEG-LS in name only (a fragment of garbage).</summary>
    private static string WriteBroken(string path, string studyUid)
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        dataset.SetString(DicomTag.SOPClassUID, SyntheticStudy.CtImageStorage);
        dataset.SetString(DicomTag.SOPInstanceUID, SyntheticStudy.NewUid());
        dataset.SetString(DicomTag.StudyDate, "20250301");
        dataset.SetString(DicomTag.Modality, "CT");
        dataset.SetString(DicomTag.StudyDescription, "CT broken");
        dataset.SetString(DicomTag.SeriesDescription, "Unreadable");
        // Another patient: the CT look-up must find Pádraig's one study alone.
        dataset.SetString(DicomTag.PatientName, "BROKEN^IMAGE");
        dataset.SetString(DicomTag.PatientID, "SBR-99001");
        dataset.SetString(DicomTag.StudyInstanceUID, studyUid);
        dataset.SetString(DicomTag.SeriesInstanceUID, SyntheticStudy.NewUid());
        dataset.SetString(DicomTag.SeriesNumber, "1");
        dataset.SetString(DicomTag.InstanceNumber, "1");
        dataset.SetUInt16(DicomTag.SamplesPerPixel, 1);
        dataset.SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        dataset.SetUInt16(DicomTag.Rows, 64);
        dataset.SetUInt16(DicomTag.Columns, 64);
        dataset.SetUInt16(DicomTag.BitsAllocated, 16);
        dataset.SetUInt16(DicomTag.BitsStored, 12);
        dataset.SetUInt16(DicomTag.HighBit, 11);
        dataset.SetUInt16(DicomTag.PixelRepresentation, 0);
        var garbage = Enumerable.Range(0, 256).Select(i => (byte)(i * 37)).ToArray();
        dataset.Add(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.FromBytes(Array.Empty<byte>()), [DicomBuffer.FromBytes(garbage)]));
        DicomFile.Create(dataset, DicomTransferSyntax.Lookup("1.2.840.10008.1.2.4.80")).Save(path);
        return path;
    }
}
