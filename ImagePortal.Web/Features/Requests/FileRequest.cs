using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Notifications;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Requests;

/// <summary>A clerk asks a partner facility for a patient's prior imaging.</summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record FileRequest(
    Guid SourceFacilityId,
    string FamilyName,
    string? GivenName,
    DateOnly? BirthDate,
    PatientSex Sex,
    string? SourceMrn,
    string LocalMrn,
    IReadOnlyList<string> Modalities,
    DateOnly? StudyDateFrom,
    DateOnly? StudyDateTo,
    string? Description,
    string? AccessionNumber,
    string ClinicalReason,
    RequestPriority Priority,
    bool ConfirmedNotDuplicate = false) : ICommand<Result<FiledRequest>>;

/// <param name="PossibleDuplicates">Set when the request was not filed because similar ones exist; the clerk must confirm.</param>
public sealed record FiledRequest(string? Number, DateTimeOffset? DueAt, IReadOnlyList<DuplicateCandidate> PossibleDuplicates);

public sealed record DuplicateCandidate(string Number, RequestStatus Status, DateTimeOffset CreatedAt);

public sealed class FileRequestValidator(TimeProvider clock) : IValidator<FileRequest>
{
    public IEnumerable<string> Validate(FileRequest message)
    {
        if (string.IsNullOrWhiteSpace(message.FamilyName))
        {
            yield return "Enter the patient's family name.";
        }

        if (!string.IsNullOrWhiteSpace(message.FamilyName) && !PatientDetails.EnoughToFindOnePatient(message.FamilyName, message.BirthDate, message.SourceMrn))
        {
            yield return PatientDetails.NotEnoughToFindOnePatient;
        }

        if (message.BirthDate is { } birthDate && birthDate > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime.AddDays(1)))
        {
            yield return "The birth date is in the future.";
        }

        if (string.IsNullOrWhiteSpace(message.LocalMrn))
        {
            yield return PatientDetails.LocalMrnMissing;
        }

        if (string.IsNullOrWhiteSpace(message.ClinicalReason))
        {
            yield return "Give the clinical reason for the request.";
        }

        if (!Enum.IsDefined(message.Priority))
        {
            yield return "Choose a priority.";
        }

        if (!Enum.IsDefined(message.Sex))
        {
            yield return "Choose the patient's sex.";
        }

        if (message.Modalities.Count > 20)
        {
            yield return "Choose at most 20 modalities.";
        }
    }
}

public sealed class FileRequestHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory,
    ICurrentUser user,
    TimeProvider clock,
    ChangeNotifier notifier,
    RequestNotifications notifications,
    IAuditTrail audit,
    SecurityRefusals refusals,
    ILogger<FileRequestHandler> logger)
    : ICommandHandler<FileRequest, Result<FiledRequest>>
{
    /// <summary>How many requests of the same facilities for the same patient are compared with the new one, newest first.</summary>
    private const int DuplicateCandidates = 20;

    public async ValueTask<Result<FiledRequest>> Handle(FileRequest command, CancellationToken cancellationToken)
    {
        if (user.FacilityId is not { } requestingFacilityId || user.UserId is not { } userId)
        {
            return Result<FiledRequest>.Fail(FailureKind.Forbidden, "Only staff of a facility can file requests.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var source = await db.Facilities.AsNoTracking().FirstOrDefaultAsync(f => f.Id == command.SourceFacilityId, cancellationToken);
        var agreements = source is null
            ? []
            : await db.Agreements.AsNoTracking()
                .Where(a => a.RequestingFacilityId == requestingFacilityId && a.SourceFacilityId == source.Id)
                .ToListAsync(cancellationToken);
        if (source is null || !Agreement.PermitsRequest(agreements, requestingFacilityId, source, now))
        {
            // A forged facility id, one without an agreement, or a deactivated one: the same answer for all.
            await refusals.RecordAsync(AuditAction.Create, $"Request to facility {command.SourceFacilityId} refused: no active agreement", null, cancellationToken);
            return Result<FiledRequest>.NotFound("That facility cannot be asked: there is no active agreement with it.");
        }

        PatientDetails patient;
        RequestScope scope;
        try
        {
            patient = new PatientDetails(command.FamilyName, command.GivenName, command.BirthDate, command.Sex, command.SourceMrn, command.LocalMrn);
            scope = new RequestScope(command.Modalities, command.StudyDateFrom, command.StudyDateTo, command.Description, command.AccessionNumber);
        }
        catch (DomainException error)
        {
            return Result<FiledRequest>.Invalid(error.Message);
        }

        if (!command.ConfirmedNotDuplicate)
        {
            var duplicates = await FindDuplicatesAsync(db, requestingFacilityId, source.Id, patient.LocalMrn, scope, cancellationToken);
            if (duplicates.Count > 0)
            {
                return new FiledRequest(null, null, duplicates);
            }
        }

        var dueAt = DueTimes.For(command.Priority, source.DueTimes, source.TimeZoneId, now);
        var filed = await NewRequests.SaveUnderNextNumberAsync(db, now, number =>
        {
            var request = ImageRequest.Submit(number, requestingFacilityId, source.Id, patient, scope, command.ClinicalReason, command.Priority, dueAt, userId, now);
            db.ImageRequests.Add(request);
            audit.Stage(db,
                new AuditEntry(AuditEventType.PatientRecord, AuditAction.Create, AuditOutcome.Success,
                    $"Request {number} filed to {source.Code}", patient.LocalMrn, number));
            return request;
        }, cancellationToken);
        if (filed.Value is not { } request)
        {
            return Result<FiledRequest>.FromFailure(filed.Failure!);
        }

        logger.LogInformation("Request {Number} filed by {UserId} to facility {SourceId}", request.Number, userId, source.Id);
        await audit.SealStagedAsync(cancellationToken);
        await notifier.PublishAsync(ChangeNotifier.Inbox(source.Id), ChangeNotifier.RequestsOf(requestingFacilityId));
        await notifications.RequestChangedAsync(request, RequestEventKind.Submitted, cancellationToken);
        return new FiledRequest(request.Number, request.DueAt, []);
    }

    /// <summary>
    /// The requests of the same facility pair for the same local patient that the new one would ask again
    /// (<see cref="ImageRequest.AsksAgainFor"/>); those that ended without images are left out in the query already.
    /// </summary>
    private static async Task<List<DuplicateCandidate>> FindDuplicatesAsync(
        ImagePortalDbContext db, Guid requestingFacilityId, Guid sourceFacilityId, string localMrn, RequestScope scope, CancellationToken cancellationToken)
    {
        var candidates = await db.ImageRequests.AsNoTracking()
            .Where(r => r.RequestingFacilityId == requestingFacilityId && r.SourceFacilityId == sourceFacilityId &&
                        r.Patient.LocalMrn == localMrn && !ImageRequest.EndedWithoutImages.Contains(r.Status))
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Number)
            .Take(DuplicateCandidates)
            .ToListAsync(cancellationToken);
        return candidates
            .Where(r => r.AsksAgainFor(scope))
            .Select(r => new DuplicateCandidate(r.Number, r.Status, r.CreatedAt))
            .ToList();
    }
}
