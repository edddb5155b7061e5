using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>
/// Which quarantined instances an administrator may see and act on, decided on the server: a network administrator
/// every one; a facility administrator those of requests their facility filed (their facility owns the destination the
/// instance was on its way to). To anybody else an instance does not exist: "not found", recorded as a security alert.
/// </summary>
public sealed class QuarantineAccess(ICurrentUser user, AdminAccess admin)
{
    public const string NotFoundMessage = "No such quarantined instance.";

    public IQueryable<QuarantinedInstance> Visible(ImagePortalDbContext db)
    {
        if (user.IsInRole(Roles.NetworkAdmin))
        {
            return db.QuarantinedInstances;
        }

        if (!user.IsInRole(Roles.FacilityAdmin) || user.FacilityId is not { } facility)
        {
            return db.QuarantinedInstances.Where(_ => false);
        }

        return db.QuarantinedInstances.Where(q => db.ImageRequests.Any(r => r.Id == q.RequestId && r.RequestingFacilityId == facility));
    }

    /// <summary>The instance, tracked, when the user may act on it; otherwise null, and the attempt is a security alert.</summary>
    public async Task<QuarantinedInstance?> FindAsync(ImagePortalDbContext db, Guid id, string what, CancellationToken cancellationToken)
    {
        var found = await Visible(db).FirstOrDefaultAsync(q => q.Id == id, cancellationToken);
        if (found is null)
        {
            await admin.RefuseAsync($"{what} refused: quarantined instance {id} is unknown or not of the administrator's facility", id.ToString(), cancellationToken);
        }

        return found;
    }
}
