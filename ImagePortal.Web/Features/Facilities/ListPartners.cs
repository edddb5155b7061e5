using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Facilities;

/// <summary>
/// The partner directory: the network's other facilities, each with the agreement that lets the user's facility ask
/// it for images (or none: shown, but cannot be asked).
/// </summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record ListPartners(string? Search, bool OnlyThoseWeCanAsk, int PageIndex, int PageSize) : IQuery<Result<Page<PartnerRow>>>;

public enum PartnerAgreement
{
    None,
    ManualRequest,
    DirectQueryRetrieve,
}

public sealed record PartnerRow(
    Guid Id, string Code, string Name, string Region, string? ContactPhone, string? ContactEmail, PartnerAgreement Agreement,
    string ArchiveServices)
{
    public bool CanBeAsked => Agreement != PartnerAgreement.None;
}

public sealed class ListPartnersValidator : IValidator<ListPartners>
{
    public IEnumerable<string> Validate(ListPartners message)
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

public sealed class ListPartnersHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock)
    : IQueryHandler<ListPartners, Result<Page<PartnerRow>>>
{
    public async ValueTask<Result<Page<PartnerRow>>> Handle(ListPartners query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var own = user.FacilityId;
        var now = clock.GetUtcNow();
        var agreements = (await db.Agreements.AsNoTracking().Where(a => a.RequestingFacilityId == own).ToListAsync(cancellationToken))
            .Where(a => a.IsActiveAt(now))
            .GroupBy(a => a.SourceFacilityId)
            .ToDictionary(g => g.Key, g => g.Any(a => a.Type == AgreementType.DirectQueryRetrieve)
                ? PartnerAgreement.DirectQueryRetrieve
                : PartnerAgreement.ManualRequest);

        var facilities = db.Facilities.AsNoTracking().Where(f => f.IsActive && f.Id != own);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = query.Search.Trim();
            facilities = facilities.Where(f => f.Name.Contains(search) || f.Code.Contains(search) || f.Region.Contains(search));
        }

        if (query.OnlyThoseWeCanAsk)
        {
            var askable = agreements.Keys.ToList();
            facilities = facilities.Where(f => askable.Contains(f.Id));
        }

        var total = await facilities.CountAsync(cancellationToken);
        var page = await facilities.OrderBy(f => f.Name).ThenBy(f => f.Code)
            .Skip(query.PageIndex * query.PageSize).Take(query.PageSize)
            .Include(f => f.Nodes)
            .ToListAsync(cancellationToken);
        var rows = page.Select(f => new PartnerRow(
                f.Id, f.Code, f.Name, f.Region, f.ContactPhone, f.ContactEmail, agreements.GetValueOrDefault(f.Id, PartnerAgreement.None),
                Describe(f.Nodes.Aggregate(DicomCapabilities.None, (all, n) => all | n.Capabilities))))
            .ToList();
        return new Page<PartnerRow>(rows, total, query.PageIndex, query.PageSize);
    }

    private static string Describe(DicomCapabilities capabilities)
    {
        var names = new List<string>();
        if (capabilities.HasFlag(DicomCapabilities.Find)) names.Add("query");
        if (capabilities.HasFlag(DicomCapabilities.Get)) names.Add("C-GET");
        if (capabilities.HasFlag(DicomCapabilities.Move)) names.Add("C-MOVE");
        if (capabilities.HasFlag(DicomCapabilities.Store)) names.Add("store");
        return names.Count == 0 ? "no DICOM node configured" : string.Join(", ", names);
    }
}
