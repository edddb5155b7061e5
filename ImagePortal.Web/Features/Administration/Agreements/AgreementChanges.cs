using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Agreements;

/// <summary>
/// How every change to an agreement runs: load it, check the administrator manages its source facility (else "not
/// found" and a security alert), and change it the way every administration change runs (<see cref="AdminChanges"/>).
/// </summary>
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

        return await AdminChanges.SaveAsync(db, access, agreement,
            new AdminSubject<Agreement>(a => a.Version, _ => "The agreement", a => a.Describe(), _ => what, a => a.Id.ToString()),
            seenVersion, change, cancellationToken);
    }
}
