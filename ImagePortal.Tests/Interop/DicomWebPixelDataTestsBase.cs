using System.Net;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Audit;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// WADO-RS Series Pixel Data (<c>…/series/{uid}/pixeldata</c>) against a real Orthanc: every frame of the series, each
/// part named by its frame's URL and sized; the same scope, refusals and audit as the other WADO-RS routes; the facilities'
/// PACS reached by DIMSE (<see cref="DicomWebPixelDataTests"/>) or by DICOMweb (<see cref="DicomWebPixelDataOnWebPacsTests"/>).
/// </summary>
public abstract class DicomWebPixelDataTestsBase(DicomWebFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Base(string number) => $"/dicomweb/requests/{number}";

    private string Ct0 => fixture.Study.StudyInstanceUid;

    [Fact]
    public async Task SeriesPixelData_IsEveryFrameOfTheSeries_EachNamedByItsFrameUrl_AndSized()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var series = fixture.Study.SeriesInstanceUids[0];

        using var response = await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{series}/pixeldata", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var parts = await MultipartParts.ReadAsync(response, "application/octet-stream", Ct);
        var expected = fixture.Study.Files.Take(3).ToDictionary(
            f => $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{series}/instances/{Sop(f)}/frames/1", f => SourceFrames.Read(f, 1)[0]);
        Assert.Equal(expected.Keys.Order(), parts.Select(p => p.Location!).Order());
        Assert.All(parts, p =>
        {
            Assert.Equal("application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1", p.ContentType);
            Assert.Equal(expected[p.Location!], p.Body);
            Assert.Equal(p.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Length);
        });
    }

    [Fact]
    public async Task AMultiFrameCompressedInstance_GivesEachFrame_InItsOwnMediaType()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var source = fixture.Corpus[1];
        var header = DicomFile.Open(source, new DicomReaderOptions { StopAtTag = DicomTag.PixelData }).Dataset;
        var (study, series, sop) = (header.GetUid(DicomTag.StudyInstanceUID)!, header.GetUid(DicomTag.SeriesInstanceUID)!, header.GetUid(DicomTag.SOPInstanceUID)!);

        using var response = await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{study}/series/{series}/pixeldata", Ct);

        var parts = await MultipartParts.ReadAsync(response, "image/dicom-rle", Ct);
        var frames = SourceFrames.Read(source, 2);
        Assert.Equal([frames[0], frames[1]], parts.Select(p => p.Body));
        Assert.All(parts, p => Assert.Equal("image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5", p.ContentType));
        Assert.Equal(
            [$"{Base(DicomWebFixture.Approved)}/studies/{study}/series/{series}/instances/{sop}/frames/1", $"{Base(DicomWebFixture.Approved)}/studies/{study}/series/{series}/instances/{sop}/frames/2"],
            parts.Select(p => p.Location));

        // The portal does not transcode: a client that accepts only another syntax gets 406 rather than an empty answer.
        using var other = new HttpRequestMessage(HttpMethod.Get, $"{Base(DicomWebFixture.Approved)}/studies/{study}/series/{series}/pixeldata");
        other.Headers.TryAddWithoutValidation("Accept", "multipart/related; type=\"application/octet-stream\"; transfer-syntax=1.2.840.10008.1.2.1");
        using var refused = await approver.SendAsync(other, Ct);
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.StatusCode);
    }

    [Fact]
    public async Task AnotherFacility_AnotherRequestsStudy_AndAForgedUid_AreNotFound_AndAlerted_AndABadUidIsRefused()
    {
        using var otherFacility = await fixture.SignedInAsync(DemoUsers.ApproverNvh);
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var series = fixture.Study.SeriesInstanceUids[0];
        var forged = Support.Peers.SyntheticStudy.NewUid();

        await fixture.AssertNotFoundAndAlertedAsync(otherFacility, $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{series}/pixeldata", DemoUsers.ApproverNvh.UserName, DicomWebFixture.Approved);
        await fixture.AssertNotFoundAndAlertedAsync(
            approver, $"{Base(DicomWebFixture.Approved)}/studies/{fixture.OtherStudy.StudyInstanceUid}/series/{fixture.OtherStudy.SeriesInstanceUids[0]}/pixeldata",
            DemoUsers.ApproverSbr.UserName, fixture.OtherStudy.StudyInstanceUid);
        await fixture.AssertNotFoundAndAlertedAsync(approver, $"{Base(DicomWebFixture.Approved)}/studies/{forged}/series/{forged}/pixeldata", DemoUsers.ApproverSbr.UserName, forged);

        // A series the PACS does not hold under an allowed study: nothing to send.
        using var none = await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{forged}/pixeldata", Ct);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        using var bad = await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/not-a-uid/pixeldata", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task TheClerk_GetsOnlyTheFramesOfWhatTheLedgerSaysWasImported()
    {
        using var clerk = await fixture.SignedInAsync(DemoUsers.ClerkNvh);
        var url = $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series";

        using var imported = await clerk.GetAsync($"{url}/{fixture.Study.SeriesInstanceUids[0]}/pixeldata", Ct);
        var parts = await MultipartParts.ReadAsync(imported, "application/octet-stream", Ct);
        Assert.Equal(fixture.Study.SopInstanceUids.Take(3).Order(), parts.Select(p => p.Location!.Split('/')[^3]).Order());
        // Nothing of the second series was imported for the clerk's facility.
        using var notImported = await clerk.GetAsync($"{url}/{fixture.Study.SeriesInstanceUids[1]}/pixeldata", Ct);
        Assert.Equal(HttpStatusCode.NotFound, notImported.StatusCode);
    }

    [Fact]
    public async Task ViewingASeriesFrames_IsAuditedOnce_AsDicomInstancesAccessed()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.SecondApproverSbr);
        var url = $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series";

        foreach (var series in fixture.Study.SeriesInstanceUids)
        {
            using var response = await approver.GetAsync($"{url}/{series}/pixeldata", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.CopyToAsync(Stream.Null, Ct);
        }

        var viewed = Assert.Single(await fixture.DbAsync(db => db.AuditEvents
            .Where(e => e.Type == AuditEventType.InstancesAccessed && e.UserName == DemoUsers.SecondApproverSbr.UserName && e.StudyInstanceUid == Ct0)
            .ToListAsync(Ct)));
        Assert.Equal(DicomWebFixture.Approved, viewed.ObjectReference);
        Assert.Equal(fixture.Study.PatientId, viewed.PatientId);
    }

    private static string Sop(string file) =>
        DicomFile.Open(file, new DicomReaderOptions { StopAtTag = DicomTag.PixelData }).Dataset.GetUid(DicomTag.SOPInstanceUID)!;
}
