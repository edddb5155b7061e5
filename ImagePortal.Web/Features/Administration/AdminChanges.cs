using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>How an administration change names what it changes, in its conflict messages and its audit event.</summary>
/// <param name="Name">"The agreement", or the facility's name.</param>
/// <param name="Describe">The one-line before and after values of the audit event (never a password).</param>
/// <param name="What">What the audit event calls the change, asked once it is applied.</param>
/// <param name="ObjectReference">What the audit event names as its object, asked once the change is applied.</param>
internal sealed record AdminSubject<T>(
    Func<T, Guid> Version, Func<T, string> Name, Func<T, string> Describe, Func<T, string> What, Func<T, string> ObjectReference);

/// <summary>
/// The steps every administration change to an aggregate (a facility with its nodes, an agreement) takes once it is
/// loaded and the administrator may manage it: refuse a stale version, let the entity apply the change (its refusal is
/// "invalid"), stage the configuration-change audit event with the before and after values so that it commits with the
/// change, save (a concurrent save makes this one a "conflict"), and seal the event into the chain.
/// </summary>
internal static class AdminChanges
{
    private const string Advice = "Reload the page and make your change again.";

    public static async Task<Result> SaveAsync<T>(
        ImagePortalDbContext db, AdminAccess access, T target, AdminSubject<T> subject, Guid? seenVersion, Action<T> change,
        CancellationToken cancellationToken)
    {
        if (seenVersion is not null && subject.Version(target) != seenVersion)
        {
            return Result.Conflict($"{subject.Name(target)} was changed by someone else meanwhile. {Advice}");
        }

        var before = subject.Describe(target);
        try
        {
            change(target);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        access.Changed(db, AuditAction.Update, subject.What(target), before, subject.Describe(target), subject.ObjectReference(target));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result.Conflict($"{subject.Name(target)} was changed by someone else at the same moment. {Advice}");
        }

        await access.SealAsync(cancellationToken);
        return Result.Success();
    }
}
