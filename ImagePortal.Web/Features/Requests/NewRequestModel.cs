using ImagePortal.Domain.Requests;

namespace ImagePortal.Web.Features.Requests;

/// <summary>The new-request form's fields; dates as the date pickers give them (a <see cref="DateTime"/> at midnight).</summary>
public sealed class NewRequestModel
{
    public Guid? SourceFacilityId { get; set; }
    public string? FamilyName { get; set; }
    public string? GivenName { get; set; }
    public DateTime? BirthDate { get; set; }
    public PatientSex Sex { get; set; } = PatientSex.Unknown;
    public string? LocalMrn { get; set; }
    public string? SourceMrn { get; set; }
    public IReadOnlyCollection<string> Modalities { get; set; } = [];
    public DateTime? From { get; set; }
    public DateTime? To { get; set; }
    public string? Description { get; set; }
    public string? AccessionNumber { get; set; }
    public string? ClinicalReason { get; set; }
    public RequestPriority Priority { get; set; } = RequestPriority.Routine;

    /// <summary>Whether the source can find one patient from what was entered (the handler says the same).</summary>
    public bool EnoughToFindOnePatient => PatientDetails.EnoughToFindOnePatient(FamilyName, Date(BirthDate), SourceMrn);

    /// <summary>The command the form files; call once the form validated (a source facility is chosen).</summary>
    public FileRequest ToCommand(bool confirmedNotDuplicate) => new(
        SourceFacilityId!.Value, FamilyName ?? "", GivenName, Date(BirthDate), Sex, SourceMrn, LocalMrn ?? "",
        Modalities.ToList(), Date(From), Date(To), Description, AccessionNumber, ClinicalReason ?? "", Priority, confirmedNotDuplicate);

    private static DateOnly? Date(DateTime? date) => date is { } d ? DateOnly.FromDateTime(d) : null;
}
