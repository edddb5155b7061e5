using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Web.Features.Reports;

namespace ImagePortal.Web.Features.Common;

/// <summary>
/// The one place that says each code the portal stores in the words a clerk, an approver or an auditor reads: a status,
/// a timeline entry, a denial reason, a role, an audit event's kind and outcome. Pages, notifications and e-mail use these.
/// </summary>
public static class Labels
{
    public static string Of(RequestStatus status) => status switch
    {
        RequestStatus.NeedsInfo => "Needs information",
        RequestStatus.PartiallyCompleted => "Partially completed",
        _ => status.ToString(),
    };

    public static string Of(DenialReason reason) => reason switch
    {
        DenialReason.PatientNotFound => "Patient not found",
        DenialReason.NoMatchingStudies => "No matching studies",
        DenialReason.InsufficientClinicalReason => "Clinical reason not sufficient",
        DenialReason.ConsentMissing => "Patient consent missing",
        DenialReason.DuplicateRequest => "Duplicate request",
        DenialReason.Other => "Other reason",
        _ => Words(reason.ToString()),
    };

    /// <summary>A stage of the report's turnaround, in the words of the request's way: filed, claimed, decided, imported.</summary>
    public static string Of(TurnaroundStage stage) => stage switch
    {
        TurnaroundStage.FiledToClaimed => "Filed to claimed by an approver",
        TurnaroundStage.ClaimedToDecided => "Claimed to decided",
        TurnaroundStage.DecidedToImported => "Approved to images imported",
        _ => Words(stage.ToString()),
    };

    /// <summary>The share of completed requests whose import ended by the due time set when they were filed.</summary>
    public const string CompletedByDue = "Completed by their due time";

    /// <summary>What the report's turnaround figures are worth: they are read from duration histograms (DurationBuckets).</summary>
    public const string TurnaroundPrecision = "Durations are within 5% of the exact values (read from duration buckets).";

    public static string Of(RequestPriority priority) => priority switch
    {
        RequestPriority.Stat => "STAT",
        _ => Words(priority.ToString()),
    };

    public static string Of(PatientSex sex) => Words(sex.ToString());

    /// <summary>A patient's sex as a PACS answers it, Patient's Sex (0010,0040): M, F, O, or empty.</summary>
    public static string OfDicomSex(string? code) => code?.Trim().ToUpperInvariant() switch
    {
        "F" => Of(PatientSex.Female),
        "M" => Of(PatientSex.Male),
        "O" => Of(PatientSex.Other),
        _ => Of(PatientSex.Unknown),
    };

    public static string Of(RetrievalJobState state) => state switch
    {
        RetrievalJobState.PartiallySucceeded => "Partly imported",
        RetrievalJobState.Succeeded => "Imported",
        _ => Words(state.ToString()),
    };

    public static string Of(QuarantineState state) => Words(state.ToString());

    /// <summary>"ApprovedByAgreement" reads "Approved by agreement".</summary>
    public static string Of(RequestEventKind kind) => Words(kind.ToString());

    public static string Of(AuditEventType type) => type switch
    {
        AuditEventType.UserAuthentication => "Sign-in or sign-out",
        AuditEventType.BeginTransferring => "Transfer started",
        AuditEventType.InstancesTransferred => "Images transferred",
        AuditEventType.PatientRecord => "Patient record",
        AuditEventType.ConfigurationChange => "Configuration change",
        AuditEventType.InstancesAccessed => "Images viewed",
        _ => Words(type.ToString()),
    };

    public static string Of(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Success => "Success",
        AuditOutcome.MinorFailure => "Minor failure",
        AuditOutcome.SeriousFailure => "Serious failure",
        AuditOutcome.MajorFailure => "Major failure",
        _ => Words(outcome.ToString()),
    };

    public static string Role(string role) => role switch
    {
        Roles.FacilityAdmin => "Facility administrator",
        Roles.NetworkAdmin => "Network administrator",
        _ => role,
    };

    /// <summary>
    /// A study as a person recognises it, "2024-01-15 · CT, SR · CT chest": its date, modalities and description (the
    /// Study Instance UID is for a PACS administrator, never the name on screen).
    /// </summary>
    public static string Study(DateOnly? date, string? modalities, string? description) => string.Join(" · ", new[]
    {
        date?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "Undated",
        string.IsNullOrWhiteSpace(modalities) ? null : Modalities(modalities),
        description,
    }.Where(part => !string.IsNullOrWhiteSpace(part)));

    /// <summary>A request's modality scope as a person reads it: "CT, MR" for <c>CT\MR</c>, "any" when it names none.</summary>
    public static string Modalities(string? scope) =>
        string.IsNullOrWhiteSpace(scope) ? "any" : string.Join(", ", scope.Split('\\', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// A count with its noun in the right number: "1 study", "3 studies", "0 partners". The plural is regular English
    /// (consonant + y takes -ies; s, x, ch and sh take -es) unless <paramref name="plural"/> says otherwise.
    /// </summary>
    public static string Count(int count, string singular, string? plural = null) =>
        $"{count.ToString(System.Globalization.CultureInfo.InvariantCulture)} {(count == 1 ? singular : plural ?? Plural(singular))}";

    private static string Plural(string singular) => singular switch
    {
        [.., var c, 'y'] when !"aeiou".Contains(c) => singular[..^1] + "ies",
        [.., 's'] or [.., 'x'] or [.., 'c', 'h'] or [.., 's', 'h'] => singular + "es",
        _ => singular + "s",
    };

    private static string Words(string name)
    {
        var words = System.Text.RegularExpressions.Regex.Replace(name, "(?<=[a-z])([A-Z])", " $1").ToLowerInvariant();
        return words.Length == 0 ? words : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
