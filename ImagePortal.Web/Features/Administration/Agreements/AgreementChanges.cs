using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Agreements;

internal static class AgreementChanges
{
    public const string NotFoundMessage = "No such agreement.";

    public static async Task<Result> ApplyAsync(
        IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, Guid id, Guid seenVersion, string what, Action<Agreement> change,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var agreement = await db.Agreements.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (agreement is null)
        {
            return Result.NotFound(NotFoundMessage);
        }

        if (!await AgreementRules.CanManageAsync(access, agreement.SourceFacilityId, what, cancellationToken))
        {
            return Result.NotFound(NotFoundMessage);
        }

        if (agreement.Version != seenVersion)
        {
            return Result.Conflict("The agreement was changed by someone else meanwhile. Reload the page and make your change again.");
        }

        var before = agreement.Describe();
        try
        {
            change(agreement);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        access.Changed(db, AuditAction.Update, what, before, agreement.Describe(), agreement.Id.ToString());
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result.Conflict("The agreement was changed by someone else at the same moment. Reload the page and make your change again.");
        }

        await access.SealAsync(cancellationToken);
        return Result.Success();
    }
}
