using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Support;

/// <summary>Requests of NVH approved by SBR with their retrieval jobs, written straight to the database.</summary>
public static class ApprovedJobs
{
    public static async Task<(Guid Nvh, Guid Sbr)> FacilitiesAsync(ImagePortalDbContext db, CancellationToken cancellationToken)
    {
        var ids = await db.Facilities.Where(f => f.Code == "NVH" || f.Code == "SBR").ToDictionaryAsync(f => f.Code, f => f.Id, cancellationToken);
        return (ids["NVH"], ids["SBR"]);
    }

    /// <summary>
    /// An approved request of one study and its queued job, added to <paramref name="db"/> (not saved); the study holds
    /// <paramref name="instances"/> instances of <paramref name="patient"/> (SBR-1 by default) at the source. A job that
    /// is to run needs <paramref name="requestedByUserId"/>, a user who exists (the requester is told how it ended).
    /// </summary>
    public static RetrievalJob Add(
        ImagePortalDbContext db, (Guid Nvh, Guid Sbr) facilities, string number, string family, string localMrn, string studyUid, DateTimeOffset now,
        SourcePatient? patient = null, int instances = 1, string requestedByUserId = "clerk")
    {
        var request = ImageRequest.Submit(
            number, facilities.Nvh, facilities.Sbr, new PatientDetails(family, null, null, PatientSex.Unknown, null, localMrn),
            new RequestScope([], null, null, null, null), "Compare", RequestPriority.Routine, now.AddDays(1), requestedByUserId, now);
        request.Claim("approver", now);
        request.Approve("approver", [new RequestedStudy(studyUid, null, "CT", null, null, instances, patient ?? new SourcePatient("SBR-1", null, null, null))], now);
        var job = RetrievalJob.For(request, now);
        db.ImageRequests.Add(request);
        db.RetrievalJobs.Add(job);
        return job;
    }

    /// <summary>
    /// One approved request and queued job per study, numbered <paramref name="numberPrefix"/>{first} on (six digits), the
    /// local MRN <paramref name="mrnPrefix"/>{number}, filed by the NVH clerk, in one save; due now, or at
    /// <paramref name="due"/> when that is later. Number → request id.
    /// </summary>
    public static async Task<Dictionary<string, Guid>> QueueAsync(
        ImagePortalDbContext db, IReadOnlyList<Peers.SyntheticStudy> studies, string numberPrefix, string mrnPrefix, CancellationToken cancellationToken,
        int firstNumber = 1, DateTimeOffset? due = null)
    {
        var facilities = await FacilitiesAsync(db, cancellationToken);
        var clerk = await db.Users.Where(u => u.UserName == DemoUsers.ClerkNvh.UserName).Select(u => u.Id).SingleAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var numbers = new Dictionary<string, Guid>(StringComparer.Ordinal);
        for (var i = 0; i < studies.Count; i++)
        {
            var number = $"{numberPrefix}{firstNumber + i:D6}";
            var job = Add(db, facilities, number, "Many", $"{mrnPrefix}{firstNumber + i}", studies[i].StudyInstanceUid, now, studies[i].Patient, requestedByUserId: clerk);
            if (due > now)
            {
                db.Entry(job).Property(j => j.NextAttemptAt).CurrentValue = due.Value;
            }

            numbers[number] = job.RequestId;
        }

        await db.SaveChangesAsync(cancellationToken);
        return numbers;
    }
}
