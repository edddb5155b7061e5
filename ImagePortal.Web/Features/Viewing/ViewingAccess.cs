using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>A study a user may view for a request: where it is (their own facility's PACS) and whose it is.</summary>
/// <param name="LedgerOnly">
/// For a clerk: only the instances the ledger of imported instances lists for the study in <paramref name="Node"/> are
/// shown, whichever of their facility's requests imported them. False for an approver (every instance of the study).
/// </param>
public sealed record ViewableStudy(string StudyUid, DicomNode Node, string? PatientId, bool LedgerOnly);

/// <summary>What a user may view for one request.</summary>
public sealed record ViewingScope(ImageRequest Request, IReadOnlyDictionary<string, ViewableStudy> Studies);

/// <summary>
/// Decides, on the server and for every DICOMweb call, which studies the signed-in user may see, always in their own
/// facility's PACS and always for one request:
/// <list type="bullet">
/// <item>an approver (or facility administrator) of the facility that holds the images sees the studies the request
/// names (those approved), and, while the request is open, the studies their own PACS look-up found for it
/// (<see cref="ViewingGrants"/>), in the node the look-up asks (the facility's query node, its import destination first);</item>
/// <item>a clerk of the requesting facility sees the studies the request lists (approved for it, or imported by its jobs)
/// that were imported into their facility's PACS, and of those only the instances the ledger of imported instances lists
/// there. The ledger holds an instance once per destination, under the job that stored it first: a later request that
/// asks for a study an earlier request of the same facility already imported stores nothing and records nothing, and its
/// clerk still sees the study, because the facility's requests imported it and this request lists it.</item>
/// </list>
/// Anything else does not exist: not found, and a security alert in the audit trail (as <c>RequestAccess</c> does).
/// </summary>
public sealed class ViewingAccess(
    IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, ViewingGrants grants, ViewingDecisions decisions, SecurityRefusals refusals)
{
    /// <summary>What the user may view for the request (a decision of the last few seconds reused); null, alerted, when nothing.</summary>
    public async Task<ViewingScope?> RequestAsync(string number, CancellationToken cancellationToken)
    {
        var key = user.UserId is { } id
            ? new ViewingDecisions.ScopeKey(id, user.FacilityId, user.IsInRole(Roles.Approver), user.IsInRole(Roles.FacilityAdmin), user.IsInRole(Roles.Clerk),
                number, grants.GrantVersion(id, number))
            : null;
        if (key is not null && decisions.Scope(key) is { } known)
        {
            return known;
        }

        var scope = await DecideAsync(number, cancellationToken);
        if (key is not null && scope is not null)
        {
            decisions.Remember(key, scope);
        }

        return scope;
    }

    private async Task<ViewingScope?> DecideAsync(string number, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = await db.ImageRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Number == number, cancellationToken);
        var studies = new Dictionary<string, ViewableStudy>(StringComparer.Ordinal);
        var onSourceSide = request is not null && ViewsAsHolder(request.SourceFacilityId == user.FacilityId, user.IsInRole);
        var onRequesterSide = request is not null && ViewsAsRequester(request.RequestingFacilityId == user.FacilityId, user.IsInRole);
        if (request is null || !(onSourceSide || onRequesterSide))
        {
            await RefuseAsync(number, null, "the request belongs to other facilities or roles", cancellationToken);
            return null;
        }

        if (onSourceSide)
        {
            var nodes = await db.DicomNodes.AsNoTracking().Where(n => n.FacilityId == request.SourceFacilityId).ToListAsync(cancellationToken);
            if (NodeChoice.ForQueries(nodes) is { } node)
            {
                var found = request.IsOpen && user.UserId is { } userId ? grants.For(userId, number) : new Dictionary<string, string?>();
                foreach (var (study, patientId) in found)
                {
                    studies[study] = new ViewableStudy(study, node, patientId, false);
                }

                foreach (var approved in request.Studies)
                {
                    studies[approved.StudyInstanceUid] = new ViewableStudy(approved.StudyInstanceUid, node, approved.SourcePatientId, false);
                }
            }
        }

        if (onRequesterSide)
        {
            // The studies the request lists: those approved for it and those its own jobs imported.
            var jobs = await db.RetrievalJobs.AsNoTracking().Where(j => j.RequestId == request.Id).Select(j => j.Id).ToListAsync(cancellationToken);
            var nodes = await db.DicomNodes.AsNoTracking().Where(n => n.FacilityId == request.RequestingFacilityId).ToDictionaryAsync(n => n.Id, cancellationToken);
            var nodeIds = nodes.Keys.ToList();
            var listed = request.Studies.Select(s => s.StudyInstanceUid).ToList();
            listed.AddRange(await db.ImportedInstances.AsNoTracking()
                .Where(i => jobs.Contains(i.JobId) && nodeIds.Contains(i.DestinationNodeId))
                .Select(i => i.StudyInstanceUid)
                .Distinct()
                .ToListAsync(cancellationToken));
            listed = listed.Distinct(StringComparer.Ordinal).ToList();

            // Of those, the ones in the ledger of their facility's PACS, whichever of the facility's requests imported them:
            // only the facility's own requests import into its nodes.
            var imported = await db.ImportedInstances.AsNoTracking()
                .Where(i => nodeIds.Contains(i.DestinationNodeId) && listed.Contains(i.StudyInstanceUid))
                .Select(i => new { i.StudyInstanceUid, i.DestinationNodeId })
                .Distinct()
                .ToListAsync(cancellationToken);
            foreach (var study in imported.OrderByDescending(s => nodes[s.DestinationNodeId].IsImportDestination))
            {
                studies.TryAdd(study.StudyInstanceUid, new ViewableStudy(study.StudyInstanceUid, nodes[study.DestinationNodeId], request.Patient.LocalMrn, true));
            }
        }

        return new ViewingScope(request, studies);
    }

    /// <summary>Whether a user on the side that holds the images may view them: its approvers and facility administrators.</summary>
    public static bool ViewsAsHolder(bool onSourceSide, Func<string, bool> isInRole) =>
        onSourceSide && (isInRole(Roles.Approver) || isInRole(Roles.FacilityAdmin));

    /// <summary>Whether a user on the side that asked may view the images imported for it: its clerks.</summary>
    public static bool ViewsAsRequester(bool onRequesterSide, Func<string, bool> isInRole) =>
        onRequesterSide && isInRole(Roles.Clerk);

    /// <summary>The study if <paramref name="studyUid"/> is in the user's scope for the request; else null, alerted.</summary>
    public async Task<(ViewingScope Scope, ViewableStudy Study)?> StudyAsync(string number, string studyUid, CancellationToken cancellationToken)
    {
        var scope = await RequestAsync(number, cancellationToken);
        if (scope is null)
        {
            return null;
        }

        if (scope.Studies.TryGetValue(studyUid, out var study))
        {
            return (scope, study);
        }

        await RefuseAsync(number, studyUid, "the study is not one this user may view for the request", cancellationToken);
        return null;
    }

    /// <summary>For a clerk, the SOP Instance UIDs the ledger lists for the study; null when every instance of it may be shown.</summary>
    public async Task<IReadOnlySet<string>?> ImportedInstancesAsync(ViewableStudy study, CancellationToken cancellationToken) =>
        study.LedgerOnly ? await LedgerAsync(study, cancellationToken) : null;

    /// <summary>Whether one instance may be shown; refused (and alerted) when a clerk asks for one the ledger does not list.</summary>
    public async Task<bool> AllowsInstanceAsync(string number, ViewableStudy study, string sopInstanceUid, CancellationToken cancellationToken)
    {
        if (!study.LedgerOnly || (await LedgerAsync(study, cancellationToken)).Contains(sopInstanceUid))
        {
            return true;
        }

        await RefuseAsync(number, study.StudyUid, $"instance {sopInstanceUid} was not imported for the facility's requests", cancellationToken);
        return false;
    }

    private Task<IReadOnlySet<string>> LedgerAsync(ViewableStudy study, CancellationToken cancellationToken) =>
        decisions.LedgerAsync(study.Node.Id, study.StudyUid, async () =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var uids = await db.ImportedInstances.AsNoTracking()
                .Where(i => i.DestinationNodeId == study.Node.Id && i.StudyInstanceUid == study.StudyUid)
                .Select(i => i.SopInstanceUid)
                .ToListAsync(cancellationToken);
            return uids.ToHashSet(StringComparer.Ordinal);
        });

    /// <summary>An answer that contradicts the path (an instance of another study under an allowed one): refused and alerted.</summary>
    public Task RefuseAsync(string number, string? studyUid, string reason, CancellationToken cancellationToken) =>
        refusals.RecordAsync(
            AuditAction.Read, $"DICOMweb access to {(studyUid is null ? "the studies" : $"study {studyUid}")} of request {number} refused: {reason}", number, cancellationToken);
}
