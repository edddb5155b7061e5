using System.Net;
using System.Text.Json;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Viewing;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// What the thumbnail strips are fed by, against a real Orthanc: the series list (ListViewableSeries), the studies a user
/// may view (ListViewableStudies), one instance's metadata (WADO-RS), and the Jobs board's viewer links; each scoped as
/// the DICOMweb service is; the facilities' PACS reached by DIMSE (<see cref="ThumbnailDataTests"/>) or by DICOMweb
/// (<see cref="ThumbnailDataOnWebPacsTests"/>).
/// </summary>
public abstract class ThumbnailDataTestsBase(DicomWebFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheApprover_ListsTheSeriesOfAnApprovedStudy_WithModalityAndImageCount_AndTheViewIsAudited()
    {
        var result = await fixture.App.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListViewableSeries(DicomWebFixture.Approved, fixture.Study.StudyInstanceUid));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        Assert.Equal(fixture.Study.SeriesInstanceUids, result.Value!.Select(s => s.SeriesUid));
        Assert.All(result.Value!, s => Assert.Equal(("CT", 3), (s.Modality, s.Images)));
        Assert.Equal([1, 2], result.Value!.Select(s => s.SeriesNumber));
        // Audited once per user, request and study within the window (AccessAuditWindow), so at least once by now.
        Assert.True(await AuditedViewsAsync(DemoUsers.ApproverSbr.UserName) >= 1);
    }

    [Fact]
    public async Task AnotherFacility_AStudyNotOfTheRequest_AndAForgedUid_AreNotFound_AndAlerted()
    {
        var study = fixture.Study.StudyInstanceUid;
        // NVH's approver: NVH asked for the images; its approvers view neither side's (its clerks view the imported ones).
        await AssertRefusedAsync(DemoUsers.ApproverNvh.UserName, new ListViewableSeries(DicomWebFixture.Approved, study), DicomWebFixture.Approved);
        // SBR's approver, but a study of another request (another patient) under this one.
        await AssertRefusedAsync(DemoUsers.ApproverSbr.UserName, new ListViewableSeries(DicomWebFixture.Approved, fixture.OtherStudy.StudyInstanceUid), fixture.OtherStudy.StudyInstanceUid);

        var forged = await fixture.App.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListViewableSeries(DicomWebFixture.Approved, "1.2.3.not-a-uid"));
        Assert.Equal(FailureKind.NotFound, forged.Failure?.Kind);

        var studies = await fixture.App.QueryAsync(DemoUsers.ApproverNvh.UserName, new ListViewableStudies(DicomWebFixture.Approved));
        Assert.Equal(FailureKind.NotFound, studies.Failure?.Kind);
    }

    [Fact]
    public async Task TheRequestingClerk_MayViewOnlyTheImportedStudy_AndTheApproverEveryApprovedOne()
    {
        var clerk = await fixture.App.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListViewableStudies(DicomWebFixture.Approved));
        Assert.Equal([fixture.Study.StudyInstanceUid], clerk.Value);

        var approver = await fixture.App.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListViewableStudies(DicomWebFixture.Approved));
        Assert.Contains(fixture.Study.StudyInstanceUid, approver.Value!);
        Assert.Equal(4, approver.Value!.Count);
    }

    [Fact]
    public async Task TheClerksStrip_ShowsOnlyTheSeriesWithImportedImages_CountedByThem()
    {
        // The ledger lists the first series' three instances for NVH's PACS; the second series was not imported.
        var clerk = await fixture.App.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListViewableSeries(DicomWebFixture.Approved, fixture.Study.StudyInstanceUid));

        Assert.True(clerk.IsSuccess, clerk.Failure?.Message);
        var series = Assert.Single(clerk.Value!);
        Assert.Equal((fixture.Study.SeriesInstanceUids[0], 3), (series.SeriesUid, series.Images));
    }

    [Fact]
    public async Task InstanceMetadata_IsOneDataSet_AndAnInstanceOfAnotherRequest_IsRefused()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var study = fixture.Study;
        var series = study.SeriesInstanceUids[0];
        var sop = study.SopInstanceUids[0];
        using var response = await approver.GetAsync($"/dicomweb/requests/{DicomWebFixture.Approved}/studies/{study.StudyInstanceUid}/series/{series}/instances/{sop}/metadata", Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        var only = Assert.Single(json.EnumerateArray());
        Assert.Equal(sop, only.GetProperty("00080018").GetProperty("Value")[0].GetString());
        Assert.False(only.TryGetProperty("7FE00010", out _));

        var other = fixture.OtherStudy;
        using var refused = await approver.GetAsync(
            $"/dicomweb/requests/{DicomWebFixture.Approved}/studies/{other.StudyInstanceUid}/series/{other.SeriesInstanceUids[0]}/instances/{other.SopInstanceUids[0]}/metadata", Ct);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task TheJobsBoard_SaysWhoMayViewARetrievalsImages()
    {
        static async Task<bool?> MayViewAsync(DicomWebFixture fixture, string userName)
        {
            var page = await fixture.App.QueryAsync(userName, new ListJobs(0, 100));
            return page.Value!.Items.SingleOrDefault(j => j.Number == DicomWebFixture.Approved)?.MayView;
        }

        Assert.True(await MayViewAsync(fixture, DemoUsers.ApproverSbr.UserName));
        Assert.True(await MayViewAsync(fixture, DemoUsers.ClerkNvh.UserName));
        // The network administrator sees every retrieval, but views no patient's images; NVH's approver sees none of SBR's.
        Assert.False(await MayViewAsync(fixture, DemoUsers.NetworkAdmin.UserName));
        Assert.Null(await MayViewAsync(fixture, DemoUsers.ApproverNvh.UserName));
    }

    private async Task AssertRefusedAsync(string userName, ListViewableSeries query, string mentioned)
    {
        var before = await fixture.SecurityAlertsAsync(userName, mentioned);
        var result = await fixture.App.QueryAsync(userName, query);
        Assert.Equal(FailureKind.NotFound, result.Failure?.Kind);
        Assert.Null(result.Value);
        Assert.Equal(before + 1, await fixture.SecurityAlertsAsync(userName, mentioned));
    }

    private Task<int> AuditedViewsAsync(string userName) => fixture.DbAsync(db => db.AuditEvents.CountAsync(
        e => e.Type == AuditEventType.InstancesAccessed && e.UserName == userName && e.ObjectReference == DicomWebFixture.Approved, Ct));
}
