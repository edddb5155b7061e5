using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Home;

/// <summary>What the home page tells a user about their own facility: its archive and its partners.</summary>
[AuthorizeMessage]
public sealed record GetHomeSummary : IQuery<Result<HomeSummary>>;

public sealed record HomeSummary(int DicomNodeCount, bool HasImportDestination, int PartnersWeCanAsk, int PartnersWhoCanAskUs, int DirectAgreements);

public sealed class GetHomeSummaryHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock)
    : IQueryHandler<GetHomeSummary, Result<HomeSummary>>
{
    public async ValueTask<Result<HomeSummary>> Handle(GetHomeSummary query, CancellationToken cancellationToken)
    {
        if (user.FacilityId is not { } facilityId)
        {
            return new HomeSummary(0, false, 0, 0, 0);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var nodes = await db.DicomNodes.AsNoTracking().Where(n => n.FacilityId == facilityId)
            .Select(n => n.IsImportDestination).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var agreements = (await db.Agreements.AsNoTracking()
                .Where(a => a.RequestingFacilityId == facilityId || a.SourceFacilityId == facilityId)
                .ToListAsync(cancellationToken))
            .Where(a => a.IsActiveAt(now))
            .ToList();
        return new HomeSummary(
            nodes.Count,
            nodes.Any(isDestination => isDestination),
            agreements.Count(a => a.RequestingFacilityId == facilityId),
            agreements.Count(a => a.SourceFacilityId == facilityId),
            agreements.Count(a => a.Type == AgreementType.DirectQueryRetrieve));
    }
}
