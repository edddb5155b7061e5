using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Requests;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Search;

/// <summary>
/// A clerk searches the archives of every partner that grants the clerk's facility direct query &amp; retrieve, in one
/// query: C-FIND at study level in each partner's PACS at once, answers outside an agreement's scope (modalities,
/// study age) dropped, results merged. A partner that does not answer is named; the others' results still show.
/// </summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record SearchPartnerArchives(
    string? PatientId, string? PatientName, DateOnly? BirthDate, DateOnly? From, DateOnly? To, IReadOnlyList<string> Modalities)
    : IQuery<Result<PartnerSearch>>;

public sealed record PartnerStudy(Guid FacilityId, string FacilityCode, string FacilityName, StudyMatch Study);

/// <param name="Problems">One readable line per partner that could not be searched.</param>
/// <param name="Truncated">Some partner had more matches than the portal shows; narrow the search.</param>
public sealed record PartnerSearch(IReadOnlyList<PartnerStudy> Studies, IReadOnlyList<string> Problems, int PartnersSearched, bool Truncated);

public sealed class SearchPartnerArchivesValidator : IValidator<SearchPartnerArchives>
{
    public IEnumerable<string> Validate(SearchPartnerArchives message)
    {
        var problems = StudySearchRules.Validate(message.PatientId, message.PatientName, message.BirthDate, message.From, message.To, message.Modalities,
            "Search by the patient's MRN at the partner, or by name and birth date.");
        return message.PatientName is { } name && name.Trim().Length is > 0 and < 2 ? problems.Append("Enter at least two letters of the name.") : problems;
    }
}

public sealed class SearchPartnerArchivesHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, DirectPartners partners, IPacsGateway pacs, IAuditTrail audit)
    : IQueryHandler<SearchPartnerArchives, Result<PartnerSearch>>
{
    public async ValueTask<Result<PartnerSearch>> Handle(SearchPartnerArchives query, CancellationToken cancellationToken)
    {
        if (user.FacilityId is not { } facilityId)
        {
            return Result<PartnerSearch>.Fail(FailureKind.Forbidden, "Only staff of a facility can search partner archives.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var grants = await partners.GrantingAsync(db, facilityId, sourceFacilityId: null, cancellationToken);
        if (grants.Count == 0)
        {
            return new PartnerSearch([], ["No partner grants your facility direct query & retrieve. File a request instead."], 0, false);
        }

        var studyQuery = new StudyQuery(query.PatientId?.Trim(), query.PatientName?.Trim(),
            query.BirthDate is { } birthDate ? DicomDateRange.On(birthDate) : null, query.From, query.To, query.Modalities, null);
        var keys = $"PatientID={studyQuery.PatientId}; PatientName={studyQuery.PatientName}; BirthDate={studyQuery.BirthDates?.ToDicom()}; " +
                   $"StudyDate={PacsGateway.DateRange(query.From, query.To)}; Modalities={string.Join('\\', query.Modalities)}";
        var answers = await Task.WhenAll(grants.Select(grant => SearchOneAsync(grant, studyQuery, cancellationToken)));

        var studies = new List<PartnerStudy>();
        var problems = new List<string>();
        var truncated = false;
        foreach (var (grant, search, problem) in answers)
        {
            if (search is null)
            {
                problems.Add(problem!);
                await audit.RecordAsync(
                    new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.SeriousFailure,
                        $"Direct search of {grant.Facility.Code}'s archive failed: {problem}", studyQuery.PatientId),
                    cancellationToken);
                continue;
            }

            var covered = search.Studies.Where(s => grant.Covers(s)).ToList();
            truncated |= search.Truncated;
            studies.AddRange(covered.Select(s => new PartnerStudy(grant.Facility.Id, grant.Facility.Code, grant.Facility.Name, s)));
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.Success,
                    $"Direct search of {grant.Facility.Code}'s archive ({grant.Node.Label}): {Labels.Count(covered.Count, "study")} within the agreement " +
                    $"of {Labels.Count(search.Studies.Count, "match")}{(search.Truncated ? " (capped)" : "")}; {keys}",
                    studyQuery.PatientId),
                cancellationToken);
        }

        var ordered = studies.OrderByDescending(s => s.Study.StudyDate).ThenBy(s => s.FacilityCode, StringComparer.Ordinal)
            .ThenBy(s => s.Study.StudyInstanceUid, StringComparer.Ordinal).ToList();
        return new PartnerSearch(ordered, problems, grants.Count, truncated);
    }

    private async Task<(DirectGrant Grant, StudySearch? Search, string? Problem)> SearchOneAsync(
        DirectGrant grant, StudyQuery query, CancellationToken cancellationToken)
    {
        try
        {
            return (grant, await pacs.FindStudiesAsync(grant.Node, query, cancellationToken), null);
        }
        catch (PacsUnavailableException error)
        {
            return (grant, null, $"{grant.Facility.Name}: {error.Message}");
        }
    }
}

/// <summary>A partner that grants direct query &amp; retrieve, the node that answers for it, and the grant's scope.</summary>
public sealed record DirectGrant(Facility Facility, DicomNode Node, IReadOnlyList<Agreement> Agreements, DateTimeOffset Now)
{
    /// <summary>Within the agreement: any of the study's modalities is granted (a CT study also holds its reports), and the study is young enough.</summary>
    public bool Covers(StudyMatch study)
    {
        var modalities = study.Modalities.Split('\\', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Agreements.Any(a => modalities.Any(m => a.CoversDirectRetrieve(m, study.StudyDate, Now)));
    }
}

/// <summary>Which partners grant a facility direct query &amp; retrieve right now. One rule for searching and for retrieving.</summary>
public sealed class DirectPartners(TimeProvider clock)
{
    public async Task<IReadOnlyList<DirectGrant>> GrantingAsync(
        ImagePortalDbContext db, Guid requestingFacilityId, Guid? sourceFacilityId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var agreements = await db.Agreements.AsNoTracking()
            .Where(a => a.RequestingFacilityId == requestingFacilityId && a.Type == AgreementType.DirectQueryRetrieve && !a.IsSuspended)
            .Where(a => sourceFacilityId == null || a.SourceFacilityId == sourceFacilityId)
            .ToListAsync(cancellationToken);
        agreements = agreements.Where(a => a.IsActiveAt(now)).ToList();
        var sourceIds = agreements.Select(a => a.SourceFacilityId).Distinct().ToList();
        var facilities = await db.Facilities.AsNoTracking().Include(f => f.Nodes)
            .Where(f => sourceIds.Contains(f.Id) && f.IsActive)
            .ToListAsync(cancellationToken);
        return facilities
            .Select(f => (Facility: f, Node: NodeChoice.ForQueries(f.Nodes)))
            .Where(x => x.Node is not null)
            .OrderBy(x => x.Facility.Name, StringComparer.CurrentCulture).ThenBy(x => x.Facility.Code, StringComparer.Ordinal)
            .Select(x => new DirectGrant(x.Facility, x.Node!, agreements.Where(a => a.SourceFacilityId == x.Facility.Id).ToList(), now))
            .ToList();
    }
}
