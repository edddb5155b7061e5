using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Requests;

/// <summary>Who the images are for, as the requesting clerk knows the patient.</summary>
public sealed record PatientDetails
{
    public PatientDetails(string familyName, string? givenName, DateOnly? birthDate, PatientSex sex, string? sourceMrn, string localMrn)
    {
        FamilyName = Guard.Required(familyName, "The family name", 64);
        GivenName = Guard.Optional(givenName, "The given name", 64);
        BirthDate = birthDate;
        Sex = Enum.IsDefined(sex) ? sex : throw new DomainException("Unknown sex.");
        SourceMrn = ValidateMrn(sourceMrn, "The MRN at the source facility", required: false);
        LocalMrn = ValidateMrn(localMrn, "The MRN at your facility", required: true)!;
        if (FamilyName.Contains('^') || GivenName?.Contains('^') == true || FamilyName.Contains('\\'))
        {
            throw new DomainException("Names must not contain ^ or \\ (they separate DICOM name components and values).");
        }
    }

    public string FamilyName { get; }

    public string? GivenName { get; }

    public DateOnly? BirthDate { get; }

    public PatientSex Sex { get; }

    /// <summary>The patient's ID at the facility that holds the images, when the clerk knows it.</summary>
    public string? SourceMrn { get; }

    /// <summary>The patient's ID at the requesting facility: the import writes it as Patient ID.</summary>
    public string LocalMrn { get; }

    /// <summary>Why a request without <see cref="LocalMrn"/> is refused, in the clerk's words.</summary>
    public const string LocalMrnMissing = "Enter the patient's MRN at your facility: the import files the images under it.";

    /// <summary>Why a request without <see cref="EnoughToFindOnePatient"/> is refused, in the clerk's words.</summary>
    public const string NotEnoughToFindOnePatient =
        "Give the patient's birth date, or their MRN at the partner facility: with the name, that is what finds one patient in the partner's PACS.";

    /// <summary>
    /// Whether a request names the patient well enough for the holding facility to find exactly one: the name with the
    /// birth date, or the MRN there. A name alone matches every namesake, and the approver can only ask back.
    /// </summary>
    public static bool EnoughToFindOnePatient(string? familyName, DateOnly? birthDate, string? sourceMrn) =>
        !string.IsNullOrWhiteSpace(sourceMrn) || (!string.IsNullOrWhiteSpace(familyName) && birthDate is not null);

    /// <summary>
    /// The name as the request lists search and sort it: family name, a space, given name, upper-cased. A search finds
    /// the names that start with what the clerk typed, in any case ("smi" finds Smith, John and Smithson), and the sort
    /// by patient is family name, then given name. Upper-cased in .NET (culture-invariant), not by the database's own
    /// UPPER, which only folds ASCII letters on SQLite.
    /// </summary>
    public string NameKey => Key(GivenName is null ? FamilyName : $"{FamilyName} {GivenName}");

    /// <summary>What the clerk typed, as it compares with <see cref="NameKey"/>.</summary>
    public static string Key(string text) => text.Trim().ToUpperInvariant();

    /// <summary>The name in DICOM person-name form: <c>Family^Given</c>.</summary>
    public string DicomName => GivenName is null ? FamilyName : $"{FamilyName}^{GivenName}";

    private static string? ValidateMrn(string? mrn, string what, bool required)
    {
        // Patient ID (0010,0020) is LO: at most 64 characters, no backslash, no control characters (PS3.5 6.2).
        var value = required ? Guard.Required(mrn, what, 64) : Guard.Optional(mrn, what, 64);
        return value?.Contains('\\') == true ? throw new DomainException($"{what} must not contain a backslash.") : value;
    }
}
