using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Home;

/// <summary>The signed-in user's facility, for the app bar and the home page.</summary>
[AuthorizeMessage]
public sealed record GetCurrentFacility : IQuery<Result<CurrentFacility>>;

/// <param name="Label">What the app bar shows: "Name (CODE)", or "Network-wide" for staff without a facility.</param>
public sealed record CurrentFacility(Guid? Id, string Label, string? Name, string? Code, string? Region, string TimeZoneId);

public sealed class GetCurrentFacilityHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user)
    : IQueryHandler<GetCurrentFacility, Result<CurrentFacility>>
{
    public async ValueTask<Result<CurrentFacility>> Handle(GetCurrentFacility query, CancellationToken cancellationToken)
    {
        if (user.FacilityId is not { } facilityId)
        {
            return new CurrentFacility(null, "Network-wide", null, null, null, "UTC");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var facility = await db.Facilities.AsNoTracking()
            .Where(f => f.Id == facilityId)
            .Select(f => new CurrentFacility(f.Id, f.Name + " (" + f.Code + ")", f.Name, f.Code, f.Region, f.TimeZoneId))
            .FirstOrDefaultAsync(cancellationToken);
        return facility is null ? Result<CurrentFacility>.NotFound("Your facility no longer exists.") : facility;
    }
}
