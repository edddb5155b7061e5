using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Requests;

/// <summary>A study the approver picked from the source PACS to answer the request.</summary>
public sealed class RequestedStudy
{
    private RequestedStudy()
    {
        StudyInstanceUid = string.Empty;
        Modalities = string.Empty;
    }

    public RequestedStudy(
        string studyInstanceUid, DateOnly? studyDate, string modalities, string? description, string? accessionNumber, int? expectedInstances,
        SourcePatient sourcePatient)
        : this()
    {
        ArgumentNullException.ThrowIfNull(sourcePatient);
        StudyInstanceUid = ValidateUid(studyInstanceUid);
        StudyDate = studyDate;
        Modalities = Guard.Optional(modalities, "The modalities", 64) ?? string.Empty;
        Description = Guard.Optional(description, "The study description", 64);
        AccessionNumber = Guard.Optional(accessionNumber, "The accession number", 16);
        if (expectedInstances is < 0)
        {
            throw new DomainException("The expected number of instances cannot be negative.");
        }

        ExpectedInstances = expectedInstances;
        SourcePatientId = sourcePatient.PatientId;
        SourceIssuerOfPatientId = sourcePatient.IssuerOfPatientId;
        SourcePatientName = sourcePatient.PatientName;
        SourcePatientBirthDate = sourcePatient.BirthDate;
    }

    public Guid RequestId { get; private set; }

    public string StudyInstanceUid { get; private set; }

    public DateOnly? StudyDate { get; private set; }

    /// <summary>Modalities in Study (0008,0061), backslash-separated.</summary>
    public string Modalities { get; private set; }

    public string? Description { get; private set; }

    public string? AccessionNumber { get; private set; }

    public int? ExpectedInstances { get; private set; }

    /// <summary>Null on studies approved before the source identity was recorded: the retrieval then insists on one patient at the source.</summary>
    public string? SourcePatientId { get; private set; }

    public string? SourceIssuerOfPatientId { get; private set; }

    public string? SourcePatientName { get; private set; }

    public DateOnly? SourcePatientBirthDate { get; private set; }

    /// <summary>The patient the study was approved for, as the source's C-FIND named them; null where not recorded.</summary>
    public SourcePatient? SourcePatient =>
        SourcePatientId is null ? null : new SourcePatient(SourcePatientId, SourceIssuerOfPatientId, SourcePatientName, SourcePatientBirthDate);

    /// <summary>A UID: 1 to 64 characters of digits and dots, no empty or zero-padded components (PS3.5 9.1).</summary>
    public static string ValidateUid(string? uid)
    {
        var value = uid?.Trim().TrimEnd('\0') ?? string.Empty;
        var valid = value.Length is > 0 and <= 64 && value.Split('.').All(part =>
            part.Length > 0 && part.All(char.IsAsciiDigit) && (part.Length == 1 || part[0] != '0'));
        return valid ? value : throw new DomainException($"'{value}' is not a valid DICOM UID.");
    }
}
