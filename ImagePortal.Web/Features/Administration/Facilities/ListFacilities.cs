using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>
/// Facilities an administrator manages, a page at a time: every facility for a network administrator, only their
/// own for a facility administrator.
/// </summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListFacilities(string? Search, int PageIndex, int PageSize) : IQuery<Result<Page<FacilityRow>>>;

public sealed record FacilityRow(Guid Id, string Code, string Name, string Region, string PatientIdIssuer, int NodeCount, bool IsActive);

public sealed class ListFacilitiesValidator : IValidator<ListFacilities>
{
    public IEnumerable<string> Validate(ListFacilities message)
    {
        foreach (var problem in Paging.Validate(message.PageIndex, message.PageSize))
        {
            yield return problem;
        }

        if (message.Search is { Length: > 100 })
        {
            yield return "The search text is too long.";
        }
    }
}

public sealed class ListFacilitiesHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user)
    : IQueryHandler<ListFacilities, Result<Page<FacilityRow>>>
{
    public async ValueTask<Result<Page<FacilityRow>>> Handle(ListFacilities query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var facilities = db.Facilities.AsNoTracking();
        if (!user.IsInRole(Roles.NetworkAdmin))
        {
            var own = user.FacilityId;
            facilities = facilities.Where(f => f.Id == own);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = query.Search.Trim();
            facilities = facilities.Where(f => f.Name.Contains(search) || f.Code.Contains(search) || f.Region.Contains(search));
        }

        var total = await facilities.CountAsync(cancellationToken);
        var rows = await facilities
            // Names need not be unique (the code is): facilities of one name keep one order from page to page.
            .OrderBy(f => f.Name).ThenBy(f => f.Code)
            .Skip(query.PageIndex * query.PageSize)
            .Take(query.PageSize)
            .Select(f => new FacilityRow(f.Id, f.Code, f.Name, f.Region, f.PatientIdIssuer, f.Nodes.Count, f.IsActive))
            .ToListAsync(cancellationToken);
        return new Page<FacilityRow>(rows, total, query.PageIndex, query.PageSize);
    }
}
