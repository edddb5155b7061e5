using System.Globalization;
using System.Net;
using System.Text.Json;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using ImagePortal.Web.Features.Viewing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The portal's DICOMweb service against a real Orthanc: answers, frames, scope, audit and the cache; the facilities' PACS
/// reached by DIMSE (<see cref="DicomWebTests"/>) or by DICOMweb (<see cref="DicomWebOnWebPacsTests"/>).
/// </summary>
public abstract class DicomWebTestsBase(DicomWebFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Base(string number) => $"/dicomweb/requests/{number}";

    private string Ct0 => fixture.Study.StudyInstanceUid;

    private string Series(int index) => fixture.Study.SeriesInstanceUids[index];

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        Assert.Equal(DicomWebEndpoints.DicomJson, response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
    }

    private static IEnumerable<string> Values(JsonElement array, string tag) =>
        array.EnumerateArray().Select(item => item.GetProperty(tag).GetProperty("Value")[0].GetString()!);

    [Fact]
    public async Task Qido_ListsTheRequestsStudies_TheirSeries_AndASeriesInstances_AsDicomJson()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);

        var studies = await JsonAsync(await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies", Ct));
        Assert.Equal(4, studies.GetArrayLength());
        Assert.Contains(Ct0, Values(studies, "0020000D"));
        Assert.DoesNotContain(fixture.OtherStudy.StudyInstanceUid, Values(studies, "0020000D"));

        var series = await JsonAsync(await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series", Ct));
        Assert.Equal(fixture.Study.SeriesInstanceUids.Order(), Values(series, "0020000E").Order());
        Assert.All(series.EnumerateArray(), s => Assert.Equal("CT", s.GetProperty("00080060").GetProperty("Value")[0].GetString()));

        var instances = await JsonAsync(await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(0)}/instances", Ct));
        Assert.Equal(fixture.Study.SopInstanceUids.Take(3).Order(), Values(instances, "00080018").Order());
        Assert.All(instances.EnumerateArray(), i => Assert.Equal(16, i.GetProperty("00280010").GetProperty("Value")[0].GetInt32()));
    }

    [Fact]
    public async Task WadoMetadata_GivesEveryInstanceOfTheSeries_WithoutPixelData()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);

        var metadata = await JsonAsync(await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(0)}/metadata", Ct));

        Assert.Equal(fixture.Study.SopInstanceUids.Take(3).Order(), Values(metadata, "00080018").Order());
        Assert.All(metadata.EnumerateArray(), i =>
        {
            Assert.Equal("VIEW^CT", i.GetProperty("00100010").GetProperty("Value")[0].GetProperty("Alphabetic").GetString());
            Assert.False(i.TryGetProperty("7FE00010", out _));
        });
    }

    [Fact]
    public async Task WadoInstance_IsThePart10FileInItsOriginalTransferSyntax()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var source = fixture.Corpus[2];
        var (study, series, sop) = Uids(source);

        using var response = await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{study}/series/{series}/instances/{sop}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var part = Assert.Single(await MultipartParts.ReadAsync(response, "application/dicom", Ct));
        Assert.Equal("application/dicom; transfer-syntax=1.2.840.10008.1.2.4.80", part.ContentType);
        var file = DicomFile.Read(new MemoryStream(part.Body));
        Assert.Equal(sop, file.Dataset.GetUid(DicomTag.SOPInstanceUID));
        Assert.Equal("1.2.840.10008.1.2.4.80", file.TransferSyntax.Uid);
        using var folder = new TempDirectory("wado-instance");
        var received = folder.Combine("received.dcm");
        await File.WriteAllBytesAsync(received, part.Body, Ct);
        Assert.Equal(SourceFrames.Read(source, 1)[0], SourceFrames.Read(received, 1)[0]);
    }

    public static TheoryData<int, string, int> CorpusFrames => new()
    {
        { 0, "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1", 15 },
        { 1, "image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5", 2 },
        { 2, "image/jls; transfer-syntax=1.2.840.10008.1.2.4.80", 1 },
    };

    [Theory]
    [MemberData(nameof(CorpusFrames), MemberType = typeof(DicomWebTestsBase))]
    public async Task WadoFrames_AreTheSourceFramesBytes_InTheirMediaType(int corpusIndex, string mediaType, int frameCount)
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var source = fixture.Corpus[corpusIndex];
        var (study, series, sop) = Uids(source);
        var expected = SourceFrames.Read(source, frameCount);
        var url = $"{Base(DicomWebFixture.Approved)}/studies/{study}/series/{series}/instances/{sop}/frames";
        // The metadata says, before any frame is asked for, the syntax its frames come in (Available Transfer Syntax UID).
        var instance = await JsonAsync(await approver.GetAsync($"{url[..^"/frames".Length]}/metadata", Ct));
        Assert.Equal(mediaType.Split("transfer-syntax=")[1], instance[0].GetProperty("00083002").GetProperty("Value")[0].GetString());

        foreach (var frame in new[] { 1, frameCount })
        {
            using var response = await approver.GetAsync($"{url}/{frame}", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var part = Assert.Single(await MultipartParts.ReadAsync(response, mediaType.Split(';')[0], Ct));
            Assert.Equal(mediaType, part.ContentType);
            Assert.Equal(expected[frame - 1], part.Body);
        }

        using var both = await approver.GetAsync($"{url}/{frameCount},1", Ct);
        var parts = await MultipartParts.ReadAsync(both, mediaType.Split(';')[0], Ct);
        Assert.Equal([expected[frameCount - 1], expected[0]], parts.Select(p => p.Body));
        // Each part names its frame and its size, as the series' pixel data does: a client reads it without a boundary search.
        Assert.Equal([$"{url}/{frameCount}", $"{url}/1"], parts.Select(p => p.Location));
        Assert.Equal(parts.Select(p => p.Body.Length.ToString(CultureInfo.InvariantCulture)), parts.Select(p => p.Length));

        using var beyond = await approver.GetAsync($"{url}/{frameCount + 1}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);

        // Cornerstone's loader accepts any syntax; a client that names only another one gets 406 (the portal does not transcode).
        var sent = mediaType.Split("transfer-syntax=")[1];
        using var anySyntax = new HttpRequestMessage(HttpMethod.Get, $"{url}/1");
        anySyntax.Headers.TryAddWithoutValidation("Accept", "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*");
        Assert.Equal(HttpStatusCode.OK, (await approver.SendAsync(anySyntax, Ct)).StatusCode);
        using var otherSyntax = new HttpRequestMessage(HttpMethod.Get, $"{url}/1");
        otherSyntax.Headers.TryAddWithoutValidation("Accept", "multipart/related; type=\"application/octet-stream\"; transfer-syntax=1.2.840.10008.1.2.4.50");
        using var refused = await approver.SendAsync(otherSyntax, Ct);
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.StatusCode);
        Assert.Contains(sent, await refused.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task WadoFrame_OfTheSyntheticCt_IsItsPixels()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var file = fixture.Study.Files[0];

        using var response = await approver.GetAsync(
            $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(0)}/instances/{fixture.Study.SopInstanceUids[0]}/frames/1", Ct);

        var part = Assert.Single(await MultipartParts.ReadAsync(response, "application/octet-stream", Ct));
        Assert.Equal(SourceFrames.Read(file, 1)[0], part.Body);
        Assert.Equal(16 * 16 * 2, part.Body.Length);
    }

    [Fact]
    public async Task AnotherFacilitysApprover_AnotherRequestsStudy_AndAForgedStudy_AreNotFound_AndAlerted()
    {
        using var otherFacility = await fixture.SignedInAsync(DemoUsers.ApproverNvh);
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var forged = SyntheticStudyUid();

        await fixture.AssertNotFoundAndAlertedAsync(otherFacility, $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series", DemoUsers.ApproverNvh.UserName, DicomWebFixture.Approved);
        await fixture.AssertNotFoundAndAlertedAsync(otherFacility, $"{Base(DicomWebFixture.Approved)}/studies", DemoUsers.ApproverNvh.UserName, DicomWebFixture.Approved);
        await fixture.AssertNotFoundAndAlertedAsync(approver, $"{Base(DicomWebFixture.Approved)}/studies/{fixture.OtherStudy.StudyInstanceUid}/series", DemoUsers.ApproverSbr.UserName, fixture.OtherStudy.StudyInstanceUid);
        await fixture.AssertNotFoundAndAlertedAsync(approver, $"{Base(DicomWebFixture.Approved)}/studies/{forged}/series/{forged}/instances/{forged}/frames/1", DemoUsers.ApproverSbr.UserName, forged);
        await fixture.AssertNotFoundAndAlertedAsync(approver, $"{Base("NO-SUCH-1")}/studies/{Ct0}/series", DemoUsers.ApproverSbr.UserName, "NO-SUCH-1");

        // An instance of another study named under an allowed one: the PACS has no such instance in that series.
        using var smuggled = await approver.GetAsync(
            $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(0)}/instances/{fixture.OtherStudy.SopInstanceUids[0]}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, smuggled.StatusCode);
    }

    [Fact]
    public async Task TheClerk_SeesOnlyWhatTheLedgerSaysWasImported_ForTheirRequest()
    {
        using var clerk = await fixture.SignedInAsync(DemoUsers.ClerkNvh);
        var url = $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series";

        var studies = await JsonAsync(await clerk.GetAsync($"{Base(DicomWebFixture.Approved)}/studies", Ct));
        Assert.Equal([Ct0], Values(studies, "0020000D"));
        var imported = await JsonAsync(await clerk.GetAsync($"{url}/{Series(0)}/instances", Ct));
        Assert.Equal(fixture.Study.SopInstanceUids.Take(3).Order(), Values(imported, "00080018").Order());
        Assert.Equal(0, (await JsonAsync(await clerk.GetAsync($"{url}/{Series(1)}/instances", Ct))).GetArrayLength());
        // The series list names only the series with imported instances, counted by them.
        var series = await JsonAsync(await clerk.GetAsync(url, Ct));
        Assert.Equal([Series(0)], Values(series, "0020000E"));
        Assert.Equal(3, series[0].GetProperty("00201209").GetProperty("Value")[0].GetInt32());
        using var frame = await clerk.GetAsync($"{url}/{Series(0)}/instances/{fixture.Study.SopInstanceUids[1]}/frames/1", Ct);
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);

        await fixture.AssertNotFoundAndAlertedAsync(clerk, $"{url}/{Series(1)}/instances/{fixture.Study.SopInstanceUids[3]}", DemoUsers.ClerkNvh.UserName, Ct0);
        var (corpusStudy, _, _) = Uids(fixture.Corpus[0]);
        await fixture.AssertNotFoundAndAlertedAsync(clerk, $"{Base(DicomWebFixture.Approved)}/studies/{corpusStudy}/series", DemoUsers.ClerkNvh.UserName, corpusStudy);
        using var otherClerk = await fixture.SignedInAsync(DemoUsers.ClerkSbr);
        await fixture.AssertNotFoundAndAlertedAsync(otherClerk, url, DemoUsers.ClerkSbr.UserName, DicomWebFixture.Approved);
    }

    [Fact]
    public async Task TheClerk_SeesAStudyImportedForAnEarlierRequest_FromALaterRequestThatListsIt()
    {
        // A later request of NVH for the same CT: its job found every instance already in the ledger (imported for
        // Approved), so it recorded none of its own. The request lists the study; the clerk who opens it sees the images.
        const string later = "VIEW-LATER";
        await fixture.DbAsync(async db =>
        {
            var facilities = await ApprovedJobs.FacilitiesAsync(db, Ct);
            var request = DicomWebFixture.Approve(db, facilities, later, [Ct0], fixture.Study.Patient, DateTimeOffset.UtcNow);
            db.RetrievalJobs.Add(RetrievalJob.For(request, DateTimeOffset.UtcNow));
            return await db.SaveChangesAsync(Ct);
        });
        using var clerk = await fixture.SignedInAsync(DemoUsers.ClerkNvh);
        var url = $"{Base(later)}/studies/{Ct0}/series";

        Assert.Equal([Ct0], Values(await JsonAsync(await clerk.GetAsync($"{Base(later)}/studies", Ct)), "0020000D"));
        var imported = await JsonAsync(await clerk.GetAsync($"{url}/{Series(0)}/instances", Ct));
        Assert.Equal(fixture.Study.SopInstanceUids.Take(3).Order(), Values(imported, "00080018").Order());
        using var frame = await clerk.GetAsync($"{url}/{Series(0)}/instances/{fixture.Study.SopInstanceUids[1]}/frames/1", Ct);
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);

        // Still only what the ledger lists for NVH's PACS, and only studies the request itself lists.
        await fixture.AssertNotFoundAndAlertedAsync(clerk, $"{url}/{Series(1)}/instances/{fixture.Study.SopInstanceUids[3]}", DemoUsers.ClerkNvh.UserName, Ct0);
        await fixture.AssertNotFoundAndAlertedAsync(clerk, $"{Base(DicomWebFixture.Other)}/studies/{Ct0}/series", DemoUsers.ClerkNvh.UserName, Ct0);
    }

    [Fact]
    public async Task TheApprover_SeesWhatTheirLookUpFound_BeforeDeciding_AndNobodyElse()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        using var colleague = await fixture.SignedInAsync(DemoUsers.SecondApproverSbr);
        var url = $"{Base(DicomWebFixture.Open)}/studies/{fixture.LookedUp.StudyInstanceUid}/series";
        await fixture.AssertNotFoundAndAlertedAsync(approver, url, DemoUsers.ApproverSbr.UserName, fixture.LookedUp.StudyInstanceUid);

        var found = await fixture.App.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(DicomWebFixture.Open, "SBR-7003", null, null, null, null, []));
        Assert.True(found.IsSuccess, found.Failure?.Message);

        Assert.Equal([fixture.LookedUp.SeriesInstanceUids[0]], Values(await JsonAsync(await approver.GetAsync(url, Ct)), "0020000E"));
        await fixture.AssertNotFoundAndAlertedAsync(colleague, url, DemoUsers.SecondApproverSbr.UserName, fixture.LookedUp.StudyInstanceUid);
    }

    [Fact]
    public async Task ADeniedRequest_StopsShowingWhatTheLookUpFound_WithinTheDecisionLifetime()
    {
        // The viewer's calls reuse an access decision for a few seconds (Viewing:AccessDecisionLifetime); a revocation
        // still takes effect, at most that much later, and is then refused and alerted like any other.
        const string number = "VIEW-DENIED";
        await fixture.DbAsync(async db =>
        {
            var facilities = await ApprovedJobs.FacilitiesAsync(db, Ct);
            var now = DateTimeOffset.UtcNow;
            var open = ImageRequest.Submit(number, facilities.Nvh, facilities.Sbr,
                new PatientDetails("Look", "Up", new DateOnly(1970, 1, 1), PatientSex.Male, null, "NVH-7003"),
                new RequestScope([], null, null, null, null), "Compare", RequestPriority.Routine,
                now.AddDays(1), "clerk", now);
            var approver = await db.Users.SingleAsync(u => u.UserName == DemoUsers.ApproverSbr.UserName, Ct);
            open.Claim(approver.Id, now);
            db.ImageRequests.Add(open);
            return await db.SaveChangesAsync(Ct);
        });
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var found = await fixture.App.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-7003", null, null, null, null, []));
        Assert.True(found.IsSuccess, found.Failure?.Message);
        var url = $"{Base(number)}/studies/{fixture.LookedUp.StudyInstanceUid}/series";
        Assert.Equal([fixture.LookedUp.SeriesInstanceUids[0]], Values(await JsonAsync(await approver.GetAsync(url, Ct)), "0020000E"));

        await fixture.DbAsync(async db =>
        {
            var request = await db.ImageRequests.SingleAsync(r => r.Number == number, Ct);
            request.Deny(request.ClaimedByUserId!, DenialReason.NoMatchingStudies, null, DateTimeOffset.UtcNow);
            return await db.SaveChangesAsync(Ct);
        });

        var lifetime = fixture.App.Services.GetRequiredService<IOptionsMonitor<ViewingSettings>>().CurrentValue.AccessDecisionLifetime;
        await Poll.UntilAsync(async () =>
        {
            using var response = await approver.GetAsync(url, Ct);
            return response.StatusCode == HttpStatusCode.NotFound;
        }, lifetime + TimeSpan.FromSeconds(10));
        Assert.True(await fixture.SecurityAlertsAsync(DemoUsers.ApproverSbr.UserName, fixture.LookedUp.StudyInstanceUid) > 0);
    }

    [Fact]
    public async Task ViewingAStudy_IsAuditedOnce_AsDicomInstancesAccessed_WithUserPatientAndStudy()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.SecondApproverSbr);
        var (study, series, sop) = Uids(fixture.Corpus[1]);
        var url = $"{Base(DicomWebFixture.Approved)}/studies/{study}/series";

        (await approver.GetAsync(url, Ct)).Dispose();
        (await approver.GetAsync($"{url}/{series}/instances", Ct)).Dispose();
        await Task.WhenAll(Enumerable.Range(1, 2).Select(async frame => (await approver.GetAsync($"{url}/{series}/instances/{sop}/frames/{frame}", Ct)).Dispose()));

        var events = await fixture.DbAsync(db => db.AuditEvents
            .Where(e => e.Type == AuditEventType.InstancesAccessed && e.UserName == DemoUsers.SecondApproverSbr.UserName && e.Description.Contains(study))
            .ToListAsync(Ct));
        var viewed = Assert.Single(events);
        Assert.Equal(DicomWebFixture.Approved, viewed.ObjectReference);
        Assert.Equal(fixture.Study.PatientId, viewed.PatientId);
        Assert.Equal(study, viewed.StudyInstanceUid);
        Assert.EndsWith($"from {fixture.PacsLabel}", viewed.Description);
        Assert.Equal(AuditAction.Read, viewed.Action);
        Assert.Equal(("110103", "DICOM Instances Accessed"), ImagePortal.Infrastructure.Audit.DicomAuditMessage.EventId(viewed.Type));
    }

    [Fact]
    public async Task ASecondFetch_IsServedFromTheCache_WithoutThePacs()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var fetcher = fixture.App.Services.GetRequiredService<InstanceFetcher>();
        var url = $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(1)}/instances/{fixture.Study.SopInstanceUids[3]}/frames/1";

        using var first = await approver.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var retrieves = fetcher.Retrieves;
        using var second = await approver.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(retrieves, fetcher.Retrieves);
        Assert.Equal(
            Assert.Single(await MultipartParts.ReadAsync(first, "application/octet-stream", Ct)).Body,
            Assert.Single(await MultipartParts.ReadAsync(second, "application/octet-stream", Ct)).Body);
    }

    [Fact]
    public async Task ACachedInstance_AskedForUnderAnotherSeries_IsRefused_ForItsFramesAndMetadataToo()
    {
        // The frames are checked against the path from the data set they are cut from (one read of the file).
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var sop = fixture.Study.SopInstanceUids[2];
        using var cached = await approver.GetAsync($"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(0)}/instances/{sop}/frames/1", Ct);
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);

        await fixture.AssertNotFoundAndAlertedAsync(approver, $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(1)}/instances/{sop}/frames/1", DemoUsers.ApproverSbr.UserName, Ct0);
        // So is its metadata, checked from the header it answers with.
        await fixture.AssertNotFoundAndAlertedAsync(approver, $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(1)}/instances/{sop}/metadata", DemoUsers.ApproverSbr.UserName, Ct0);
    }

    [Fact]
    public async Task ConcurrentRequestsForOneInstance_FetchItOnce()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var fetcher = fixture.App.Services.GetRequiredService<InstanceFetcher>();
        var url = $"{Base(DicomWebFixture.Approved)}/studies/{Ct0}/series/{Series(1)}/instances/{fixture.Study.SopInstanceUids[4]}";
        var before = fetcher.Retrieves;

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => approver.GetAsync(url, Ct)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(before + 1, fetcher.Retrieves);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    private static (string Study, string Series, string Sop) Uids(string path)
    {
        var dataset = DicomFile.Open(path, new DicomReaderOptions { StopAtTag = DicomTag.PixelData }).Dataset;
        return (dataset.GetUid(DicomTag.StudyInstanceUID)!, dataset.GetUid(DicomTag.SeriesInstanceUID)!, dataset.GetUid(DicomTag.SOPInstanceUID)!);
    }

    private static string SyntheticStudyUid() => Support.Peers.SyntheticStudy.NewUid();
}
