using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Requests;

/// <summary>What the clerk asks for: modalities, a study date range, a description, an accession number.</summary>
public sealed record RequestScope
{
    public RequestScope(IEnumerable<string>? modalities, DateOnly? from, DateOnly? to, string? description, string? accessionNumber)
    {
        Modalities = (modalities ?? []).Select(m => m.Trim().ToUpperInvariant()).Where(m => m.Length > 0).Distinct().Order().ToList();
        if (!Modalities.All(ModalityCode.IsValid))
        {
            throw new DomainException(ModalityCode.NotAModalityCode);
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

    /// <summary>
    /// Whether a request for this scope and one for <paramref name="other"/> could bring the same studies: their
    /// modalities share one (no modality means any) and their study date ranges meet (a missing bound is open). The
    /// description and the accession number are left out: a clerk words them differently for the same studies.
    /// </summary>
    public bool Overlaps(RequestScope other)
    {
        var modalitiesOverlap = Modalities.Count == 0 || other.Modalities.Count == 0 || Modalities.Intersect(other.Modalities).Any();
        var datesOverlap = (From ?? DateOnly.MinValue) <= (other.To ?? DateOnly.MaxValue) &&
                           (other.From ?? DateOnly.MinValue) <= (To ?? DateOnly.MaxValue);
        return modalitiesOverlap && datesOverlap;
    }
}
