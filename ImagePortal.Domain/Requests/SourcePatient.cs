using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Requests;

/// <summary>
/// The patient a study belongs to at the source PACS, exactly as its C-FIND answered when the approver (or, under a
/// direct agreement, the clerk) chose it. The retrieval imports only instances of this patient: one Study Instance UID
/// can be held under two patients at a source (a merge or a mislabelled study), and "the first answer" is not the
/// patient anybody approved.
/// </summary>
public sealed record SourcePatient
{
    public SourcePatient(string? patientId, string? issuerOfPatientId, string? patientName, DateOnly? birthDate)
    {
        // Patient ID is type 2 in the composite IODs (PS3.3 C.7.1.1): present, possibly empty. Empty is an identity too.
        var id = patientId?.Trim() ?? string.Empty;
        PatientId = id.Length == 0 ? string.Empty : Guard.Required(id, "The patient ID at the source", 64);
        IssuerOfPatientId = Guard.Optional(issuerOfPatientId, "The issuer of the patient ID at the source", 64);
        PatientName = Guard.Optional(patientName, "The patient name at the source", 324);
        BirthDate = birthDate;
    }

    public string PatientId { get; }

    public string? IssuerOfPatientId { get; }

    public string? PatientName { get; }

    public DateOnly? BirthDate { get; }

    /// <summary>
    /// Whether an instance or a C-FIND answer with these values is this patient: the same Patient ID, and the same
    /// issuer where both name one (a source that does not send the issuer is not contradicting it).
    /// </summary>
    public bool Matches(string? patientId, string? issuerOfPatientId) => SameIdentity(PatientId, IssuerOfPatientId, patientId, issuerOfPatientId);

    /// <summary>
    /// The one rule for "the same patient" between two answers or an answer and an instance, whatever their values
    /// (never trusted to be valid): the same Patient ID, and the same issuer where both name one.
    /// </summary>
    public static bool SameIdentity(string? patientId, string? issuer, string? otherPatientId, string? otherIssuer)
    {
        if (!string.Equals(patientId?.Trim() ?? string.Empty, otherPatientId?.Trim() ?? string.Empty, StringComparison.Ordinal))
        {
            return false;
        }

        var (a, b) = (issuer?.Trim(), otherIssuer?.Trim());
        return string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b) || string.Equals(a, b, StringComparison.Ordinal);
    }

    /// <summary>"SBR-77120" or "SBR-77120 (issuer SBR-MRN)", for messages.</summary>
    public override string ToString() =>
        (PatientId.Length == 0 ? "(no patient ID)" : $"'{PatientId}'") + (IssuerOfPatientId is { } issuer ? $" (issuer {issuer})" : string.Empty);
}
