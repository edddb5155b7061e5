using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>
/// How every change to a facility or its nodes runs: check the administrator may manage it (else "not found" and a
/// security alert), check the version they saw, let the entity apply the change, save (a concurrent save makes this
/// one fail with a plain conflict), audit before and after.
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

        if (seenVersion is not null && facility.Version != seenVersion)
        {
            return Result.Conflict($"{facility.Name} was changed by someone else meanwhile. Reload the page and make your change again.");
        }

        var before = describe(facility);
        try
        {
            change(facility);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        access.Changed(db, AuditAction.Update, $"{what} of {facility.Code}", before, describe(facility), facility.Code);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result.Conflict($"{facility.Name} was changed by someone else at the same moment. Reload the page and make your change again.");
        }

        await access.SealAsync(cancellationToken);
        return Result.Success();
    }
}
