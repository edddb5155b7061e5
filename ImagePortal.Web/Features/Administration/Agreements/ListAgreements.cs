using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Agreements;

/// <summary>
/// Agreements an administrator manages, a page at a time. The facility that holds the images grants access, so a
/// facility administrator manages the agreements whose source is their facility (and sees those that concern it).
/// </summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListAgreements(int PageIndex, int PageSize) : IQuery<Result<Page<AgreementRow>>>;

public sealed record AgreementRow(
    Guid Id, Guid RequestingFacilityId, string Requesting, Guid SourceFacilityId, string Source, AgreementType Type,
    DateTimeOffset ActiveFrom, DateTimeOffset? ActiveTo, IReadOnlyList<string> Modalities, int? MaxStudyAgeDays, bool IsSuspended, Guid Version);

public sealed class ListAgreementsValidator : IValidator<ListAgreements>
{
    public IEnumerable<string> Validate(ListAgreements message) => Paging.Validate(message.PageIndex, message.PageSize);
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
