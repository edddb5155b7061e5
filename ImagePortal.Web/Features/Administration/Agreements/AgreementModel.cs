using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Agreements;

/// <summary>The agreement editor's fields (<see cref="AgreementEditor"/>): a new agreement, or the one being edited.</summary>
public sealed class AgreementModel
{
    public Guid? Id { get; set; }
    public Guid Version { get; set; }
    public Guid? RequestingFacilityId { get; set; }
    public Guid? SourceFacilityId { get; set; }
    public AgreementType Type { get; set; }
    public DateTime? From { get; set; }
    public DateTime? To { get; set; }
    public string? Modalities { get; set; }
    public int? MaxStudyAgeDays { get; set; }

    /// <summary>A new agreement, valid from <paramref name="today"/> (the date in UTC).</summary>
    public static AgreementModel New(DateTimeOffset today) => new() { From = today.UtcDateTime.Date };

    public static AgreementModel Of(AgreementRow row) => new()
    {
        Id = row.Id, Version = row.Version, RequestingFacilityId = row.RequestingFacilityId, SourceFacilityId = row.SourceFacilityId, Type = row.Type,
        From = row.ActiveFrom.UtcDateTime, To = row.ActiveTo?.UtcDateTime, Modalities = string.Join(", ", row.Modalities), MaxStudyAgeDays = row.MaxStudyAgeDays,
    };

    /// <summary>The terms as entered; an agreement whose start was cleared starts <paramref name="today"/>.</summary>
    public AgreementTerms ToTerms(DateTimeOffset today) => new(
        Type, Utc(From) ?? Utc(today.UtcDateTime)!.Value, Utc(To),
        (Modalities ?? "").Split([',', ' ', '\\'], StringSplitOptions.RemoveEmptyEntries), MaxStudyAgeDays);

    private static DateTimeOffset? Utc(DateTime? date) => date is { } d ? new DateTimeOffset(DateTime.SpecifyKind(d.Date, DateTimeKind.Utc)) : null;
}
