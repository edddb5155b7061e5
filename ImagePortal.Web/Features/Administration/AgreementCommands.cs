using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>
/// Agreements an administrator manages, a page at a time. The facility that holds the images grants access, so a
/// facility administrator manages the agreements whose source is their facility (and sees those that concern it).
/// </summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListAgreements(int PageIndex, int PageSize) : IQuery<Result<Page<AgreementRow>>>;

public sealed record AgreementRow(
    Guid Id, Guid RequestingFacilityId, string Requesting, Guid SourceFacilityId, string Source, AgreementType Type,
    DateTimeOffset ActiveFrom, DateTimeOffset? ActiveTo, IReadOnlyList<string> Modalities, int? MaxStudyAgeDays, bool IsSuspended, Guid Version);

/// <summary>What an administrator sets on an agreement: its kind, validity and, for direct agreements, scope.</summary>
public sealed record AgreementTerms(
    AgreementType Type, DateTimeOffset ActiveFrom, DateTimeOffset? ActiveTo, IReadOnlyList<string> Modalities, int? MaxStudyAgeDays);

/// <summary><paramref name="RequestingFacilityId"/> may obtain images from <paramref name="SourceFacilityId"/>.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record CreateAgreement(Guid RequestingFacilityId, Guid SourceFacilityId, AgreementTerms Terms) : ICommand<Result<Guid>>;

[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateAgreement(Guid Id, Guid Version, AgreementTerms Terms) : ICommand<Result>;

/// <summary>Suspends an agreement (no new requests, no direct retrieves) or resumes it.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record SetAgreementSuspended(Guid Id, Guid Version, bool Suspended) : ICommand<Result>;

public sealed class ListAgreementsValidator : IValidator<ListAgreements>
{
    public IEnumerable<string> Validate(ListAgreements message) => Paging.Validate(message.PageIndex, message.PageSize);
}

public sealed class CreateAgreementValidator : IValidator<CreateAgreement>
{
    public IEnumerable<string> Validate(CreateAgreement message)
    {
        if (message.RequestingFacilityId == message.SourceFacilityId)
        {
            yield return "A facility cannot have an agreement with itself.";
        }

        foreach (var problem in AgreementRules.Validate(message.Terms))
        {
            yield return problem;
        }
    }
}

public sealed class UpdateAgreementValidator : IValidator<UpdateAgreement>
{
    public IEnumerable<string> Validate(UpdateAgreement message) => AgreementRules.Validate(message.Terms);
}

internal static class AgreementRules
{
    public static IEnumerable<string> Validate(AgreementTerms terms)
    {
        if (!Enum.IsDefined(terms.Type))
        {
            yield return "Unknown agreement type.";
        }

        if (terms.ActiveTo is { } to && to <= terms.ActiveFrom)
        {
            yield return "An agreement must end after it starts.";
        }

        if (terms.MaxStudyAgeDays is <= 0)
        {
            yield return "The maximum study age must be at least one day.";
        }

        if (terms.Modalities.Count > 20)
        {
            yield return "At most 20 modalities.";
        }
    }

    public static void Apply(Agreement agreement, AgreementTerms terms)
    {
        agreement.SetType(terms.Type);
        agreement.SetValidity(terms.ActiveFrom, terms.ActiveTo);
        agreement.SetScope(terms.Modalities, terms.MaxStudyAgeDays);
    }

    /// <summary>The source facility grants access to its images, so its administrator manages the agreement.</summary>
    public static Task<bool> CanManageAsync(AdminAccess access, Guid sourceFacilityId, string what, CancellationToken cancellationToken) =>
        access.CanManageAsync(sourceFacilityId, what, cancellationToken);
}

public sealed class ListAgreementsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : IQueryHandler<ListAgreements, Result<Page<AgreementRow>>>
{
    public async ValueTask<Result<Page<AgreementRow>>> Handle(ListAgreements query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var agreements = db.Agreements.AsNoTracking();
        if (!access.IsNetworkAdmin)
        {
            var own = access.OwnFacilityId;
            agreements = agreements.Where(a => a.SourceFacilityId == own || a.RequestingFacilityId == own);
        }

        var total = await agreements.CountAsync(cancellationToken);
        var rows = await (
                from a in agreements
                join r in db.Facilities on a.RequestingFacilityId equals r.Id
                join s in db.Facilities on a.SourceFacilityId equals s.Id
                orderby s.Name, r.Name, a.Id
                select new { a, Requesting = r.Name, Source = s.Name })
            .Skip(query.PageIndex * query.PageSize)
            .Take(query.PageSize)
            .ToListAsync(cancellationToken);
        return new Page<AgreementRow>(
            [.. rows.Select(x => new AgreementRow(x.a.Id, x.a.RequestingFacilityId, x.Requesting, x.a.SourceFacilityId, x.Source, x.a.Type,
                x.a.ActiveFrom, x.a.ActiveTo, x.a.Modalities, x.a.MaxStudyAgeDays, x.a.IsSuspended, x.a.Version))],
            total, query.PageIndex, query.PageSize);
    }
}

public sealed class CreateAgreementHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<CreateAgreement, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(CreateAgreement command, CancellationToken cancellationToken)
    {
        if (!await AgreementRules.CanManageAsync(access, command.SourceFacilityId, "Creating an agreement", cancellationToken))
        {
            return Result<Guid>.NotFound(AdminAccess.NotFoundMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var codes = await db.Facilities.AsNoTracking()
            .Where(f => f.Id == command.RequestingFacilityId || f.Id == command.SourceFacilityId)
            .ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
        if (!codes.ContainsKey(command.RequestingFacilityId) || !codes.ContainsKey(command.SourceFacilityId))
        {
            await access.RefuseAsync("Creating an agreement refused: unknown facility id", null, cancellationToken);
            return Result<Guid>.NotFound(AdminAccess.NotFoundMessage);
        }

        if (await db.Agreements.AnyAsync(a => a.RequestingFacilityId == command.RequestingFacilityId && a.SourceFacilityId == command.SourceFacilityId, cancellationToken))
        {
            return Result<Guid>.Invalid(
                $"{codes[command.RequestingFacilityId]} already has an agreement with {codes[command.SourceFacilityId]}: edit that one instead.");
        }

        Agreement agreement;
        try
        {
            agreement = new Agreement(command.RequestingFacilityId, command.SourceFacilityId, command.Terms.Type, command.Terms.ActiveFrom, command.Terms.ActiveTo);
            AgreementRules.Apply(agreement, command.Terms);
        }
        catch (DomainException error)
        {
            return Result<Guid>.Invalid(error.Message);
        }

        db.Agreements.Add(agreement);
        access.Changed(db, AuditAction.Create,
            $"Agreement {codes[command.RequestingFacilityId]} asks {codes[command.SourceFacilityId]} created", null, agreement.Describe(),
            agreement.Id.ToString());
        await db.SaveChangesAsync(cancellationToken);
        await access.SealAsync(cancellationToken);
        return agreement.Id;
    }
}

public sealed class UpdateAgreementHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<UpdateAgreement, Result>
{
    public async ValueTask<Result> Handle(UpdateAgreement command, CancellationToken cancellationToken) =>
        await AgreementChanges.ApplyAsync(dbFactory, access, command.Id, command.Version, "Agreement edit",
            agreement => AgreementRules.Apply(agreement, command.Terms), cancellationToken);
}

public sealed class SetAgreementSuspendedHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<SetAgreementSuspended, Result>
{
    public async ValueTask<Result> Handle(SetAgreementSuspended command, CancellationToken cancellationToken) =>
        await AgreementChanges.ApplyAsync(dbFactory, access, command.Id, command.Version, command.Suspended ? "Agreement suspension" : "Agreement resumption",
            agreement =>
            {
                if (command.Suspended)
                {
                    agreement.Suspend();
                }
                else
                {
                    agreement.Resume();
                }
            }, cancellationToken);
}

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
