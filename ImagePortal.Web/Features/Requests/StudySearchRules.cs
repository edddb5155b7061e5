using ImagePortal.Domain.Common;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// The rule for the clerk's search of partner archives: it names one patient, by MRN or by name and birth date. (The
/// approver's look-up in their own PACS is broader: <see cref="LookUpKeys"/>.)
/// </summary>
public static class StudySearchRules
{
    public static IEnumerable<string> Validate(
        string? patientId, string? patientName, DateOnly? birthDate, DateOnly? from, DateOnly? to, IReadOnlyList<string> modalities, string whoIsMissing)
    {
        // No fishing: a search names a patient, by MRN or by name and birth date.
        if (string.IsNullOrWhiteSpace(patientId) && (string.IsNullOrWhiteSpace(patientName) || birthDate is null))
        {
            yield return whoIsMissing;
        }

        if (patientId?.Contains('\\') == true || patientName?.Contains('\\') == true || patientId is { Length: > 64 } || patientName is { Length: > 64 })
        {
            yield return "MRN and name must be at most 64 characters, without backslashes.";
        }

        if (from is not null && to is not null && from > to)
        {
            yield return "The date range ends before it starts.";
        }

        if (modalities.Count > 20 || !modalities.All(ModalityCode.IsValid))
        {
            yield return ModalityCode.NotAModalityCode;
        }
    }
}
