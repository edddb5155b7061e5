using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Notifications;
using ImagePortal.Web.Features.Requests;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Search;

/// <summary>
/// The clerk retrieves studies found in one partner's archive under a direct query &amp; retrieve agreement. The server
/// trusts nothing from the page: it checks the agreement again and asks the partner's PACS for exactly these studies,
/// so a forged facility or study UID, or a study outside the agreement, is refused (as "not found") and audited.
/// The request is filed already approved with its retrieval job queued, and its images flow like any approved request's.
/// </summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record RetrieveFromPartner(
    Guid SourceFacilityId, IReadOnlyList<string> StudyInstanceUids, string LocalMrn, string ClinicalReason, RequestPriority Priority)
    : ICommand<Result<string>>;

public sealed class RetrieveFromPartnerValidator : IValidator<RetrieveFromPartner>
{
    public const int MaxStudies = 50;

    public IEnumerable<string> Validate(RetrieveFromPartner message)
    {
        if (message.StudyInstanceUids.Count == 0)
        {
            yield return ImageRequest.NoStudyToRetrieve;
        }

        if (message.StudyInstanceUids.Count > MaxStudies)
        {
            yield return $"Retrieve at most {MaxStudies} studies at once.";
        }

        if (message.StudyInstanceUids.Any(uid => !IsUid(uid)))
        {
            yield return "A study identifier is not a DICOM UID.";
        }

        if (string.IsNullOrWhiteSpace(message.LocalMrn))
        {
            yield return PatientDetails.LocalMrnMissing;
        }

        if (string.IsNullOrWhiteSpace(message.ClinicalReason))
        {
            yield return "Give the clinical reason for retrieving these studies.";
        }

        if (!Enum.IsDefined(message.Priority))
        {
            yield return "Choose a priority.";
        }
    }

    private static bool IsUid(string? uid)
    {
        try
        {
            RequestedStudy.ValidateUid(uid);
            return true;
        }
        catch (DomainException)
        {
            return false;
        }
    }
}

public sealed class RetrieveFromPartnerHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, DirectPartners partners, IPacsGateway pacs, TimeProvider clock,
    IAuditTrail audit, SecurityRefusals refusals, ChangeNotifier notifier, RetrievalSignal signal, ILogger<RetrieveFromPartnerHandler> logger)
    : ICommandHandler<RetrieveFromPartner, Result<string>>
{
    private const string NotFound = "Those studies are not available to your facility under a direct query & retrieve agreement.";

    public async ValueTask<Result<string>> Handle(RetrieveFromPartner command, CancellationToken cancellationToken)
    {
        if (user.FacilityId is not { } facilityId || user.UserId is not { } userId)
        {
            return Result<string>.Fail(FailureKind.Forbidden, "Only staff of a facility can retrieve studies.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var grant = (await partners.GrantingAsync(db, facilityId, command.SourceFacilityId, cancellationToken)).SingleOrDefault();
        if (grant is null)
        {
            return await RefusedAsync($"Direct retrieve from facility {command.SourceFacilityId} refused: no active direct query & retrieve agreement", cancellationToken);
        }

        var uids = command.StudyInstanceUids.Distinct(StringComparer.Ordinal).ToList();
        StudySearch found;
        try
        {
            found = await pacs.FindStudiesAsync(grant.Node, new StudyQuery(null, null, null, null, null, [], null, uids), cancellationToken);
        }
        catch (PacsUnavailableException error)
        {
            return Result<string>.Fail(FailureKind.Unavailable, $"{grant.Facility.Name}: {error.Message}");
        }

        var studies = uids.Select(uid => found.Studies.FirstOrDefault(s => s.StudyInstanceUid == uid)).ToList();
        if (studies.Any(s => s is null || !grant.Covers(s)))
        {
            return await RefusedAsync(
                $"Direct retrieve from {grant.Facility.Code} refused: a requested study is not in its archive or outside the agreement", cancellationToken);
        }

        // One study UID held under two patients (a merge or a mislabelled study at the partner): whichever answer came
        // first is not the patient the clerk chose, so nothing of it is retrieved.
        if (uids.FirstOrDefault(uid => StudyMatch.IsAmbiguous(found.Studies, uid)) is { } ambiguous)
        {
            return Result<string>.Invalid(
                $"{grant.Facility.Name} holds study {ambiguous} under more than one patient; it cannot be retrieved until their PACS administrator corrects it.");
        }

        var matches = studies.OfType<StudyMatch>().ToList();
        if (matches.Select(s => s.PatientId ?? string.Empty).Distinct(StringComparer.Ordinal).Count() != 1)
        {
            return Result<string>.Invalid("Select studies of one patient at a time.");
        }

        var now = clock.GetUtcNow();
        PatientDetails patient;
        RequestScope scope;
        List<RequestedStudy> requested;
        try
        {
            var (family, given) = SplitName(matches[0].PatientName);
            patient = new PatientDetails(family, given, matches[0].BirthDate, Sex(matches[0].PatientSex), matches[0].PatientId, command.LocalMrn.Trim());
            scope = new RequestScope(
                matches.SelectMany(s => s.Modalities.Split('\\', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
                null, null, null, null);
            requested = matches.Select(s => new RequestedStudy(s.StudyInstanceUid, s.StudyDate, s.Modalities, s.Description, s.AccessionNumber, s.Instances, s.SourcePatient)).ToList();
        }
        catch (DomainException error)
        {
            return Result<string>.Invalid(error.Message);
        }

        var dueAt = DueTimes.For(command.Priority, grant.Facility.DueTimes, grant.Facility.TimeZoneId, now);
        var filed = await NewRequests.SaveUnderNextNumberAsync(db, now, number =>
        {
            var request = ImageRequest.RetrieveUnderAgreement(
                number, facilityId, grant.Facility.Id, patient, scope, command.ClinicalReason, command.Priority, dueAt, userId, requested, now);

            // Approved by the agreement, so its retrieval job is queued in the same transaction, as with an approver's approval.
            db.ImageRequests.Add(request);
            db.RetrievalJobs.Add(RetrievalJob.For(request, now));
            audit.Stage(db,
                new AuditEntry(AuditEventType.PatientRecord, AuditAction.Create, AuditOutcome.Success,
                    $"Request {number}: {Labels.Count(requested.Count, "study")} retrieved from {grant.Facility.Code} under the direct query & retrieve agreement",
                    patient.LocalMrn, number));
            return request;
        }, cancellationToken);
        if (filed.Value is not { Number: var number })
        {
            return Result<string>.FromFailure(filed.Failure!);
        }

        logger.LogInformation("Request {Number}: {Studies} retrieved directly from facility {SourceId} by {UserId}", number, Labels.Count(requested.Count, "study"), grant.Facility.Id, userId);
        await audit.SealStagedAsync(cancellationToken);
        await notifier.PublishAsync(ChangeNotifier.RequestsOf(facilityId), ChangeNotifier.Request(number));
        signal.Pulse();
        return number;
    }

    private async Task<Result<string>> RefusedAsync(string description, CancellationToken cancellationToken)
    {
        await refusals.RecordAsync(AuditAction.Create, description, null, cancellationToken);
        return Result<string>.NotFound(NotFound);
    }

    /// <summary>DICOM <c>Family^Given^Middle^Prefix^Suffix</c> (alphabetic group only) to the ticket's family and given name.</summary>
    private static (string Family, string? Given) SplitName(string? dicomName)
    {
        var alphabetic = (dicomName ?? string.Empty).Split('=')[0];
        var parts = alphabetic.Split('^');
        var family = parts[0].Trim();
        var given = string.Join(' ', parts.Skip(1).Take(2).Select(p => p.Trim()).Where(p => p.Length > 0));
        return (family.Length > 0 ? family : "(no name)", given.Length > 0 ? given : null);
    }

    private static PatientSex Sex(string? dicomSex) => dicomSex?.Trim().ToUpperInvariant() switch
    {
        "F" => PatientSex.Female,
        "M" => PatientSex.Male,
        "O" => PatientSex.Other,
        _ => PatientSex.Unknown,
    };
}
