using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Jobs;

/// <summary>
/// Who may see and act on a retrieval job, decided on the server: network administrators all; facility administrators
/// their facility's jobs (either side); approvers the jobs of requests their facility approved; clerks their facility's
/// own requests' jobs. To anybody else a job does not exist ("not found", logged as a security event).
/// </summary>
public sealed class JobAccess(ICurrentUser user, SecurityRefusals refusals)
{
    public const string NotFoundMessage = "No such retrieval.";

    /// <summary>The jobs the current user may see, as a query to filter further.</summary>
    public IQueryable<RetrievalJob> Visible(ImagePortalDbContext db)
    {
        if (user.IsInRole(Roles.NetworkAdmin))
        {
            return db.RetrievalJobs;
        }

        var facility = user.FacilityId ?? Guid.Empty;
        var admin = user.IsInRole(Roles.FacilityAdmin);
        var approver = user.IsInRole(Roles.Approver);
        var clerk = user.IsInRole(Roles.Clerk);
        return db.RetrievalJobs.Where(j =>
            ((admin || clerk) && j.RequestingFacilityId == facility) || ((admin || approver) && j.SourceFacilityId == facility));
    }

    public async Task<(RetrievalJob Job, ImageRequest Request)?> FindAsync(ImagePortalDbContext db, string number, CancellationToken cancellationToken)
    {
        var found = await (from request in db.ImageRequests
                           join job in Visible(db) on request.Id equals job.RequestId
                           where request.Number == number
                           select new { job, request }).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        if (found is not null)
        {
            return (found.job, found.request);
        }

        await refusals.RecordAsync(
            AuditAction.Read, $"Access to the retrieval of request {number} refused: unknown, or of other facilities or roles", number, cancellationToken);
        return null;
    }
}
