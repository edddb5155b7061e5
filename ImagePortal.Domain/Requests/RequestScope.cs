using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Requests;

/// <summary>What the clerk asks for: modalities, a study date range, a description, an accession number.</summary>
public sealed record RequestScope
{
    public RequestScope(IEnumerable<string>? modalities, DateOnly? from, DateOnly? to, string? description, string? accessionNumber)
    {
        Modalities = (modalities ?? []).Select(m => m.Trim().ToUpperInvariant()).Where(m => m.Length > 0).Distinct().Order().ToList();
        if (Modalities.Any(m => m.Length > 16 || !m.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_')))
        {
            throw new DomainException("A modality is not a DICOM modality code.");
        }

        if (from is not null && to is not null && from > to)
        {
            throw new DomainException("The study date range ends before it starts.");
        }

        From = from;
        To = to;
        Description = Guard.Optional(description, "The description", 200);
        AccessionNumber = Guard.Optional(accessionNumber, "The accession number", 16);
    }

    public IReadOnlyList<string> Modalities { get; }

    public DateOnly? From { get; }

    public DateOnly? To { get; }

    public string? Description { get; }

    public string? AccessionNumber { get; }
}
