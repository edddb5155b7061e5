using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// One request with its timeline, for staff of either facility it concerns (RequestAccess: a clerk of the facility that
/// asked, an approver of the one that holds the images). Any signed-in user may ask: to all others it is "not found",
/// whether it exists or not, and asking for one that exists is a security alert.
/// </summary>
[AuthorizeMessage]
public sealed record GetRequest(string Number) : IQuery<Result<RequestDetails>>;

public sealed record RequestDetails(
    string Number, Guid Version, RequestStatus Status, RequestPriority Priority, DateTimeOffset CreatedAt, DateTimeOffset DueAt,
    string RequestingFacility, string SourceFacility, bool IsRequesterSide, bool IsSourceSide,
    PatientDetails Patient, string ModalityScope, DateOnly? StudyDateFrom, DateOnly? StudyDateTo, string? StudyDescription,
    string? AccessionNumber, string ClinicalReason, string? ClaimedBy, bool ClaimedByMe, DenialReason? DenialReason, string? DecisionNote,
    IReadOnlyList<RequestedStudy> Studies, IReadOnlyList<TimelineEntry> Timeline, IReadOnlySet<RequestAction> Actions);

public sealed record TimelineEntry(DateTimeOffset At, RequestEventKind Kind, string? Who, string? Text);

public sealed class GetRequestHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, RequestAccess access, ICurrentUser user, IAuditTrail audit)
    : IQueryHandler<GetRequest, Result<RequestDetails>>
{
    public async ValueTask<Result<RequestDetails>> Handle(GetRequest query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = await access.FindAsync(db, query.Number, RequestSide.Either, cancellationToken);
        if (request is null)
        {
            return Result<RequestDetails>.NotFound(RequestAccess.NotFoundMessage);
        }

        await audit.RecordAsync(
            new AuditEntry(AuditEventType.PatientRecord, AuditAction.Read, AuditOutcome.Success, $"Request {request.Number} viewed",
                request.Patient.LocalMrn, request.Number),
            cancellationToken);
        var facilities = await db.Facilities.AsNoTracking()
            .Where(f => f.Id == request.RequestingFacilityId || f.Id == request.SourceFacilityId)
            .ToDictionaryAsync(f => f.Id, f => $"{f.Name} ({f.Code})", cancellationToken);
        var userIds = request.Events.Select(e => e.UserId).Append(request.ClaimedByUserId).OfType<string>().Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);

        var isRequesterSide = request.RequestingFacilityId == user.FacilityId && user.IsInRole(Roles.Clerk);
        var isSourceSide = request.SourceFacilityId == user.FacilityId && user.IsInRole(Roles.Approver);

        // What the page offers is what the entity would accept from this user, side by side (a user is on one side only).
        var actions = new HashSet<RequestAction>();
        if (isRequesterSide)
        {
            actions.UnionWith(request.AllowedActions(RequestActor.Requester, user.UserId));
        }

        if (isSourceSide)
        {
            actions.UnionWith(request.AllowedActions(RequestActor.Approver, user.UserId));
        }

        return new RequestDetails(
            request.Number, request.Version, request.Status, request.Priority, request.CreatedAt, request.DueAt,
            facilities[request.RequestingFacilityId], facilities[request.SourceFacilityId], isRequesterSide, isSourceSide,
            request.Patient, request.ModalityScope, request.StudyDateFrom, request.StudyDateTo, request.StudyDescription,
            request.AccessionNumber, request.ClinicalReason,
            request.ClaimedByUserId is { } claimer ? names.GetValueOrDefault(claimer, "an approver") : null,
            request.ClaimedByUserId == user.UserId, request.DenialReason, request.DecisionNote,
            request.Studies.ToList(),
            // Events of one instant recorded before the entity kept its timeline strictly ordered follow the life of a request.
            request.Events.OrderBy(e => e.At).ThenBy(e => e.Kind).ThenBy(e => e.Id)
                .Select(e => new TimelineEntry(e.At, e.Kind, e.UserId is null ? "ImagePortal" : names.GetValueOrDefault(e.UserId, "a user"), e.Text))
                .ToList(),
            actions);
    }
}
