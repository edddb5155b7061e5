using ImagePortal.Domain.Requests;

namespace ImagePortal.Infrastructure.Pacs;

/// <summary>What an approver looks for in their PACS; each value is a matching key as the PACS receives it.</summary>
public sealed record StudyQuery(
    string? PatientId, string? PatientName, DicomDateRange? BirthDates, DateOnly? From, DateOnly? To, IReadOnlyList<string> Modalities, string? AccessionNumber,
    IReadOnlyList<string>? StudyInstanceUids = null);

public sealed record StudyMatch(
    string StudyInstanceUid, DateOnly? StudyDate, string? PatientName, string? PatientId, DateOnly? BirthDate, string Modalities,
    string? Description, string? AccessionNumber, int? Instances, string? PatientSex = null, string? IssuerOfPatientId = null)
{
    /// <summary>The patient this answer names, as the approval records it (the retrieval imports only this patient's instances).</summary>
    public SourcePatient SourcePatient => new(PatientId, IssuerOfPatientId, PatientName, BirthDate);

    /// <summary>Whether the answers hold <paramref name="studyInstanceUid"/> under more than one patient (a merge or a mislabelled study at the source).</summary>
    public static bool IsAmbiguous(IEnumerable<StudyMatch> matches, string studyInstanceUid)
    {
        StudyMatch? first = null;
        foreach (var match in matches.Where(m => m.StudyInstanceUid == studyInstanceUid))
        {
            first ??= match;
            if (!SourcePatient.SameIdentity(first.PatientId, first.IssuerOfPatientId, match.PatientId, match.IssuerOfPatientId))
            {
                return true;
            }
        }

        return false;
    }
}

/// <param name="Truncated">True when the PACS had more matches than the cap; the look-up was cancelled there.</param>
public sealed record StudySearch(IReadOnlyList<StudyMatch> Studies, bool Truncated);
