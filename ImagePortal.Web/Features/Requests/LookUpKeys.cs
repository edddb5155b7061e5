using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// How what the approver types becomes the matching keys of a C-FIND in their own PACS (PS3.4 C.2.2.2), and which
/// searches are refused as too broad or as changing the query's meaning.
/// <list type="bullet">
/// <item>Name: <c>*</c> (any run of characters) and <c>?</c> (one character) are DICOM's wildcards. A name without
/// them is a prefix: "Smith" searches <c>SMITH*</c> (every family name starting so, any given name) and "Smith^J" or
/// "Smith, J" searches <c>SMITH^J*</c>. The key is sent in upper case: C.2.2.2.1 lets each PACS choose whether person
/// names match case-sensitively; Orthanc (by default) and the portal's own archive ignore case, DCMTK's dcmqrscp does
/// not, and names reach a PACS in upper case from HL7 registration, so upper case finds the patient in all three.</item>
/// <item>Birth date: a day, or a year ("1958") or month ("1958-03") sent as the range of its days
/// (<c>19580301-19580331</c>, range matching C.2.2.2.5).</item>
/// <item>MRN (Patient ID) and accession number match exactly: a wildcard or a backslash in them is refused.</item>
/// <item>Too broad: with neither an MRN nor an accession number, a name needs two characters other than wildcards,
/// unless a whole birth date is given (or a year or month with at least one character of the name).</item>
/// </list>
/// </summary>
public static class LookUpKeys
{
    /// <summary>Person Name component groups are at most 64 characters (PS3.5 6.2).</summary>
    public const int MaxNameLength = 64;

    public static IEnumerable<string> Problems(LookUpStudies message)
    {
        var name = Clean(message.PatientName);
        var id = Clean(message.PatientId);
        var accession = Clean(message.AccessionNumber);
        var birth = Clean(message.BirthDate);
        var birthDates = birth is null ? null : DicomDateRange.TryParsePartial(birth);

        if (name is not null && name.Any(c => c is '\\' or '=' || char.IsControl(c)))
        {
            yield return "The name cannot contain \\ or = : they separate DICOM values and name groups. Use ^ between family and given name.";
        }
        else if (name is not null && Pattern(name) is { Length: > MaxNameLength })
        {
            yield return $"The name can be at most {MaxNameLength} characters.";
        }

        if (id is not null && (id.Length > 64 || id.Any(c => c is '\\' or '*' or '?' || char.IsControl(c))))
        {
            yield return "The MRN is matched exactly: at most 64 characters, without *, ? or \\.";
        }

        if (accession is not null && (accession.Length > 16 || accession.Any(c => c is '\\' or '*' or '?' || char.IsControl(c))))
        {
            yield return "The accession number is matched exactly: at most 16 characters, without *, ? or \\.";
        }

        if (birth is not null && birthDates is null)
        {
            yield return "Type the birth date as a year (1958), a month (1958-03) or a day (1958-03-12).";
        }

        if (message.From is not null && message.To is not null && message.From > message.To)
        {
            yield return "The date range ends before it starts.";
        }

        if (message.Modalities.Count > 20 || !message.Modalities.All(ModalityCode.IsValid))
        {
            yield return ModalityCode.NotAModalityCode;
        }

        if (id is null && accession is null && !NarrowEnough(Letters(name), birthDates))
        {
            yield return name is null && birth is null
                ? "Search by MRN, accession number, name or birth date."
                : "Too broad: give at least two letters of the name (wildcards do not count), or the MRN, the accession number or the whole birth date.";
        }
    }

    /// <summary>The C-FIND keys of a search that <see cref="Problems"/> accepted.</summary>
    public static StudyQuery Query(LookUpStudies message) => new(
        Clean(message.PatientId),
        Clean(message.PatientName) is { } name && Letters(name) > 0 ? Pattern(name) : null,
        Clean(message.BirthDate) is { } birth ? DicomDateRange.TryParsePartial(birth) : null,
        message.From,
        message.To,
        message.Modalities,
        Clean(message.AccessionNumber));

    /// <summary>
    /// The Patient Name key for what was typed: upper case, "Family, Given" as <c>FAMILY^GIVEN</c>, runs of <c>*</c>
    /// as one, and a trailing <c>*</c> where the name has no wildcard (a prefix search).
    /// </summary>
    public static string Pattern(string typed)
    {
        var name = typed.Trim().ToUpperInvariant();
        if (!name.Contains('^') && name.IndexOf(',', StringComparison.Ordinal) is var comma and > 0)
        {
            name = $"{name[..comma].Trim()}^{name[(comma + 1)..].Trim()}";
        }

        while (name.Contains("**", StringComparison.Ordinal))
        {
            name = name.Replace("**", "*", StringComparison.Ordinal);
        }

        return name.Contains('*') || name.Contains('?') ? name : name + "*";
    }

    private static bool NarrowEnough(int letters, DicomDateRange? birthDates) =>
        letters >= 2 || (birthDates is { IsOneDay: true }) || (birthDates is not null && letters >= 1);

    /// <summary>The characters of a name that narrow the search: neither wildcards nor separators.</summary>
    private static int Letters(string? name) => name?.Count(c => c is not ('*' or '?' or '^' or ',' or ' ')) ?? 0;

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
