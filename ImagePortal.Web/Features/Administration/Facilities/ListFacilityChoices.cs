using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>Every facility of the network by name, for pickers (an agreement's other end); names are no secret, the partner directory shows them.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListFacilityChoices : IQuery<Result<IReadOnlyList<FacilityChoice>>>;

public sealed record FacilityChoice(Guid Id, string Code, string Name);

public sealed class ListFacilityChoicesHandler(IDbContextFactory<ImagePortalDbContext> dbFactory)
    : IQueryHandler<ListFacilityChoices, Result<IReadOnlyList<FacilityChoice>>>
{
    public async ValueTask<Result<IReadOnlyList<FacilityChoice>>> Handle(ListFacilityChoices query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var choices = await db.Facilities.AsNoTracking().OrderBy(f => f.Name).ThenBy(f => f.Code)
            .Select(f => new FacilityChoice(f.Id, f.Code, f.Name)).Take(1000).ToListAsync(cancellationToken);
        return choices;
    }
}
