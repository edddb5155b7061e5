using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// One patient among the answers of a PACS look-up: who the approver picks before the studies, recognised by name,
/// MRN, birth date and sex. One patient is one Patient ID (and issuer, where the PACS names one), the identity the
/// approval records (<see cref="SourcePatient.SameIdentity"/>).
/// </summary>
/// <param name="Studies">How many of the matching studies are this patient's.</param>
public sealed record PatientCandidate(string PatientId, string? IssuerOfPatientId, string? PatientName, DateOnly? BirthDate, string? Sex, int Studies)
{
    /// <summary>"Müller, Jürgen" from <c>Müller^Jürgen</c>; "(no name)" when the PACS gave none.</summary>
    public string DisplayName =>
        PatientName is { Length: > 0 } name
            ? string.Join(", ", name.Split('=')[0].Split('^').Select(part => part.Trim()).Where(part => part.Length > 0).Take(2))
            : "(no name)";

    public string SexLabel => Labels.OfDicomSex(Sex);

    public bool Owns(StudyMatch study) =>
        string.Equals(PatientId, study.PatientId?.Trim() ?? string.Empty, StringComparison.Ordinal) &&
        string.Equals(IssuerOfPatientId, Issuer(study), StringComparison.Ordinal);

    /// <summary>The patients of <paramref name="studies"/>, in the order the PACS first named them, with their numbers of studies.</summary>
    public static IReadOnlyList<PatientCandidate> Of(IEnumerable<StudyMatch> studies) =>
        studies
            .GroupBy(s => (Id: s.PatientId?.Trim() ?? string.Empty, Issuer: Issuer(s)))
            .Select(group =>
            {
                var first = group.First();
                return new PatientCandidate(
                    group.Key.Id, group.Key.Issuer, first.PatientName?.Trim(), group.Select(s => s.BirthDate).FirstOrDefault(d => d is not null),
                    group.Select(s => s.PatientSex).FirstOrDefault(s => !string.IsNullOrWhiteSpace(s)), group.Select(s => s.StudyInstanceUid).Distinct().Count());
            })
            .ToList();

    private static string? Issuer(StudyMatch study) => string.IsNullOrWhiteSpace(study.IssuerOfPatientId) ? null : study.IssuerOfPatientId.Trim();
}
