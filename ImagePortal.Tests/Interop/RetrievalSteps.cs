using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>How a request ended, or that it did not end in time (<see cref="Request"/> then holds its last state).</summary>
public sealed record RequestEnd(ImageRequest Request, bool Hung);

/// <summary>
/// What the retrieval tests do on the way to their check: point SBR's and NVH's nodes at the peers, file a request as
/// NVH's clerk and have SBR's approver claim and approve it, wait for the request's end.
/// </summary>
public sealed class RetrievalSteps(RetrievalFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public Task PointNodesAsync(OrthancPeer source, OrthancPeer destination, DicomCapabilities sourceCapabilities) =>
        Task.WhenAll(
            PointNodeAsync("SBR", source.AeTitle, source.DicomPort, sourceCapabilities),
            PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All));

    public async Task PointNodeAsync(string facility, string aeTitle, int port, DicomCapabilities capabilities) => await fixture.DbAsync(async db =>
    {
        var found = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == facility, Ct);
        var node = found.Nodes.Single();
        found.UpdateNode(node.Id, node.Name, AeTitle.Parse(aeTitle), "127.0.0.1", port, capabilities, false);
        return await db.SaveChangesAsync(Ct);
    });

    /// <summary>
    /// SBR's PACS is our own SCP serving <paramref name="archive"/> (C-FIND and C-GET), NVH's is <paramref name="destination"/>;
    /// the nodes point at them. Dispose the returned SCP.
    /// </summary>
    public async Task<TestScp> ServeAsync<TArchive>(TArchive archive, OrthancPeer destination)
        where TArchive : IDicomFindProvider, IDicomGetProvider
    {
        var source = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: archive, get: archive);
        await PointNodeAsync("SBR", "SBR_PACS", source.Port, DicomCapabilities.All);
        await PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);
        return source;
    }

    /// <summary>The approval of <paramref name="study"/> an approver gives after finding it under its patient in their PACS.</summary>
    public static ApprovedStudy Approval(SyntheticStudy study, SourcePatient? patient = null) =>
        new(study.StudyInstanceUid, new DateOnly(2024, 1, 15), "CT", "Synthetic test study", null, study.SopInstanceUids.Count, patient ?? study.Patient);

    public Task<string> FileAndApproveAsync(string localMrn, SyntheticStudy study, bool askedBefore = false) =>
        FileAndApproveAsync(localMrn, [Approval(study)], askedBefore);

    public async Task<string> FileAndApproveAsync(string localMrn, IReadOnlyList<ApprovedStudy> studies, bool askedBefore = false)
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Müller", GivenName = "Jürgen", Sex = PatientSex.Male, LocalMrn = localMrn, Modalities = ["CT"],
            ClinicalReason = "Compare with today's CT", Priority = RequestPriority.Urgent, ConfirmedNotDuplicate = askedBefore,
        });
        Assert.True(filed.IsSuccess, filed.Failure?.Message);
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        var claimed = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version));
        Assert.True(claimed.IsSuccess, claimed.Failure?.Message);
        seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        var approved = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, seen.Value!.Version, studies));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);
        return number;
    }

    /// <summary>Files a request for the study, has SBR approve it, and waits for its end (<see cref="WaitForEndAsync"/>).</summary>
    public async Task<ImageRequest> FileApproveAndWaitAsync(string localMrn, SyntheticStudy study, TimeSpan timeout) =>
        await WaitForEndAsync(await FileAndApproveAsync(localMrn, study), timeout);

    /// <summary>
    /// The request's "instances transferred" audit events, once there are any. The worker stages them in the transaction
    /// that ends the job and seals them into the trail right after it, so a test that has seen the request end waits for
    /// them (10 s at most) rather than reading the trail at once.
    /// </summary>
    public async Task<List<AuditEvent>> TransferredAsync(string number)
    {
        var events = new List<AuditEvent>();
        await Poll.UntilAsync(async () =>
        {
            events = await fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
                .Where(e => e.ObjectReference == number && e.Type == AuditEventType.InstancesTransferred).ToListAsync(Ct));
            return events.Count > 0;
        }, TimeSpan.FromSeconds(10), () => Task.FromResult($"{number}: no \"instances transferred\" event in the audit trail"));
        return events;
    }

    /// <summary>Polls until the request has ended (Completed, PartiallyCompleted or Failed) and its job is finished.</summary>
    public async Task<ImageRequest> WaitForEndAsync(string number, TimeSpan timeout, RequestStatus? after = null)
    {
        ImageRequest? request = null;
        await Poll.UntilAsync(async () =>
        {
            request = await EndedAsync(number, after);
            return request is not null;
        }, timeout);
        return request!;
    }

    /// <summary>
    /// Like <see cref="WaitForEndAsync"/>, but a request still running after <paramref name="timeout"/> is returned as
    /// hung (its retrieval cancelled, so that it does not hold a worker of the fixture), for a test that reports what arrived.
    /// </summary>
    public async Task<RequestEnd> WaitForEndOrHangAsync(string number, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await EndedAsync(number, after: null) is { } request)
            {
                return new RequestEnd(request, Hung: false);
            }

            if (DateTime.UtcNow >= deadline)
            {
                await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new CancelRetrieval(number));
                return new RequestEnd(await fixture.DbAsync(db => db.ImageRequests.AsNoTracking().Include(r => r.Events).SingleAsync(r => r.Number == number, Ct)), Hung: true);
            }

            await Task.Delay(250, Ct);
        }
    }

    /// <summary>The request once it has ended and its job is finished (after a retry, when <paramref name="after"/> is given); else null.</summary>
    private async Task<ImageRequest?> EndedAsync(string number, RequestStatus? after)
    {
        var ended = new[] { RequestStatus.Completed, RequestStatus.PartiallyCompleted, RequestStatus.Failed };
        var request = await fixture.DbAsync(db => db.ImageRequests.AsNoTracking().Include(r => r.Events).SingleAsync(r => r.Number == number, Ct));
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct));
        var done = ended.Contains(request.Status) && job.IsFinished && (after is null || request.Events.Count(e => e.Kind == RequestEventKind.RetrievalStarted) > 1);
        return done ? request : null;
    }

    /// <summary>The request's timeline, for an assertion's message.</summary>
    public static string Timeline(ImageRequest request) =>
        string.Join(Environment.NewLine, request.Events.OrderBy(e => e.At).Select(e => $"{e.Kind}: {e.Text}"));
}
