using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>
/// How every change to a facility or its nodes runs: check the administrator may manage it (else "not found" and a
/// security alert, before the facility is even looked for), load it with its nodes, and change it the way every
/// administration change runs (<see cref="AdminChanges"/>).
/// </summary>
internal static class FacilityChanges
{
    public static async Task<Result> ApplyAsync(
        IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, Guid facilityId, Guid? seenVersion, string what,
        Action<Facility> change, CancellationToken cancellationToken, Func<Facility, string>? describe = null)
    {
        if (!await access.CanManageAsync(facilityId, what, cancellationToken))
        {
            return Result.NotFound(AdminAccess.NotFoundMessage);
        }

        describe ??= FacilitySettingsRules.Describe;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var facility = await db.Facilities.Include(f => f.Nodes).FirstOrDefaultAsync(f => f.Id == facilityId, cancellationToken);
        if (facility is null)
        {
            return Result.NotFound(AdminAccess.NotFoundMessage);
        }

        return await AdminChanges.SaveAsync(db, access, facility,
            new AdminSubject<Facility>(f => f.Version, f => f.Name, describe, f => $"{what} of {f.Code}", f => f.Code),
            seenVersion, change, cancellationToken);
    }
}
