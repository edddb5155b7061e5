using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The rules that keep another patient's images from being filed under the requester's MRN: one Study Instance UID can
/// be held under two patients at a source (a merge, a mislabelled study), and a study can be relabelled between the
/// approval and the retrieval. The retrieval takes a study only from the patient it was approved for, and each
/// instance only when it names that patient.
/// </summary>
internal static class PatientMatch
{
    /// <summary>
    /// Decides from the patients a source's study-level C-FIND named for <paramref name="studyUid"/> (one answer each): the
    /// study is retrieved when that is exactly one patient, the approved one. A study approved before approvals recorded
    /// the patient (<paramref name="approved"/> null) takes the one patient the source holds it under.
    /// </summary>
    public static StudyHolder HolderOf(string source, string studyUid, IEnumerable<(string? PatientId, string? Issuer)> answers, SourcePatient? approved)
    {
        var holders = new List<(string Id, string? Issuer)>();
        foreach (var (patientId, issuerOfPatientId) in answers)
        {
            var id = patientId?.Trim() ?? string.Empty;
            var issuer = issuerOfPatientId?.Trim();
            if (!holders.Any(h => SourcePatient.SameIdentity(h.Id, h.Issuer, id, issuer)))
            {
                holders.Add((id, issuer));
            }
        }

        if (holders.Count == 0)
        {
            return new StudyHolder(null, $"study {studyUid} is no longer at {source}");
        }

        if (holders.Count > 1)
        {
            return new StudyHolder(null,
                $"ambiguous study at the source: {source} holds study {studyUid} under {holders.Count} patients " +
                $"({string.Join(", ", holders.Select(h => $"'{h.Id}'"))}); nothing of it was imported, its PACS administrator must correct it");
        }

        var (heldBy, heldIssuer) = holders[0];
        if (approved is null)
        {
            try
            {
                return new StudyHolder(new SourcePatient(heldBy, heldIssuer, null, null), null);
            }
            catch (DomainException error)
            {
                return new StudyHolder(null, $"{source} names the patient of study {studyUid} with a value no DICOM patient ID can have ({error.Message})");
            }
        }

        return approved.Matches(heldBy, heldIssuer)
            ? new StudyHolder(approved, null)
            : new StudyHolder(null,
                $"{source} now holds study {studyUid} under patient '{heldBy}', not under {approved}, the patient it was approved for; nothing of it was imported");
    }

    /// <summary>
    /// Why an instance that arrived must not be imported (it is quarantined and raised instead), or null when it may:
    /// it is the instance the C-STORE announced, of a study being retrieved, of the patient that study is retrieved for
    /// (the same Patient ID, and the same issuer where both name one).
    /// </summary>
    public static string? ProblemWith(
        string announcedSopInstanceUid, string? sopInstanceUid, string? studyUid, string patientId, string? issuer,
        IReadOnlySet<string> approvedStudies, IReadOnlyDictionary<string, SourcePatient> retrievedFor)
    {
        if (sopInstanceUid != announcedSopInstanceUid)
        {
            return "its SOP Instance UID differs from the one announced in the C-STORE request";
        }

        if (studyUid is null || !approvedStudies.Contains(studyUid))
        {
            return $"study {studyUid ?? "(none)"} was not approved for this request";
        }

        if (!retrievedFor.TryGetValue(studyUid, out var approved))
        {
            return $"study {studyUid} is not being retrieved (it was not found under the approved patient at the source)";
        }

        return approved.Matches(patientId, issuer)
            ? null
            : $"patient ID '{patientId}'{(string.IsNullOrWhiteSpace(issuer) ? "" : $" (issuer {issuer})")} is not {approved}, the patient the study was approved for";
    }
}
