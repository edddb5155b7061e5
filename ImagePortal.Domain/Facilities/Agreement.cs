using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Facilities;

public enum AgreementType
{
    /// <summary>Every request is approved by a person at the source facility.</summary>
    ManualRequest = 0,

    /// <summary>The requesting facility queries and retrieves at once; still audited.</summary>
    DirectQueryRetrieve = 1,
}

/// <summary>
/// Permission for one facility to obtain images from another, in one direction: <see cref="RequestingFacilityId"/>
/// asks, <see cref="SourceFacilityId"/> holds the images. No agreement, no request.
/// </summary>
public sealed class Agreement
{
    public const string WithItself = "A facility cannot have an agreement with itself.";

    public const string UnknownType = "Unknown agreement type.";

    public const string EndsBeforeItStarts = "An agreement must end after it starts.";

    public const string StudyAgeUnderADay = "The maximum study age must be at least one day.";

    private Agreement()
    {
        ModalityScope = string.Empty;
    }

    public Agreement(Guid requestingFacilityId, Guid sourceFacilityId, AgreementType type, DateTimeOffset activeFrom, DateTimeOffset? activeTo = null)
        : this()
    {
        if (requestingFacilityId == sourceFacilityId)
        {
            throw new DomainException(WithItself);
        }

        Id = Guid.CreateVersion7();
        RequestingFacilityId = requestingFacilityId;
        SourceFacilityId = sourceFacilityId;
        SetType(type);
        SetValidity(activeFrom, activeTo);
    }

    public Guid Id { get; private set; }

    public Guid RequestingFacilityId { get; private set; }

    public Guid SourceFacilityId { get; private set; }

    public AgreementType Type { get; private set; }

    public DateTimeOffset ActiveFrom { get; private set; }

    public DateTimeOffset? ActiveTo { get; private set; }

    public bool IsSuspended { get; private set; }

    /// <summary>Concurrency token: changes with every edit, so an administrator editing a stale copy is refused.</summary>
    public Guid Version { get; private set; } = Guid.NewGuid();

    /// <summary>Modalities a direct agreement covers, backslash-separated as in DICOM (empty: all).</summary>
    public string ModalityScope { get; private set; }

    /// <summary>Oldest study a direct agreement covers, in days (null: any age).</summary>
    public int? MaxStudyAgeDays { get; private set; }

    public IReadOnlyList<string> Modalities =>
        ModalityScope.Length == 0 ? [] : ModalityScope.Split('\\');

    public void SetType(AgreementType type)
    {
        if (!Enum.IsDefined(type))
        {
            throw new DomainException(UnknownType);
        }

        Type = type;
        Changed();
    }

    public void SetValidity(DateTimeOffset activeFrom, DateTimeOffset? activeTo)
    {
        if (!EndsAfterItStarts(activeFrom, activeTo))
        {
            throw new DomainException(EndsBeforeItStarts);
        }

        ActiveFrom = activeFrom.ToUniversalTime();
        ActiveTo = activeTo?.ToUniversalTime();
        Changed();
    }

    /// <summary>Limits a direct query &amp; retrieve agreement to modalities (e.g. CT, MG) and a study age.</summary>
    public void SetScope(IEnumerable<string> modalities, int? maxStudyAgeDays)
    {
        var codes = modalities.Select(m => m.Trim().ToUpperInvariant()).Where(m => m.Length > 0).Distinct().Order().ToList();
        foreach (var code in codes)
        {
            if (!ModalityCode.IsValid(code))
            {
                throw new DomainException($"'{code}' is not a modality code.");
            }
        }

        if (!IsStudyAge(maxStudyAgeDays))
        {
            throw new DomainException(StudyAgeUnderADay);
        }

        ModalityScope = string.Join('\\', codes);
        MaxStudyAgeDays = maxStudyAgeDays;
        Changed();
    }

    /// <summary>An open end (null) never comes before the start; a set one must come after it.</summary>
    public static bool EndsAfterItStarts(DateTimeOffset activeFrom, DateTimeOffset? activeTo) => activeTo is null || activeTo > activeFrom;

    /// <summary>A study age limit is at least a day, or none (null).</summary>
    public static bool IsStudyAge(int? maxStudyAgeDays) => maxStudyAgeDays is null or > 0;

    public void Suspend()
    {
        if (IsSuspended)
        {
            throw new DomainException("The agreement is already suspended.");
        }

        IsSuspended = true;
        Changed();
    }

    public void Resume()
    {
        if (!IsSuspended)
        {
            throw new DomainException("The agreement is not suspended.");
        }

        IsSuspended = false;
        Changed();
    }

    /// <summary>One-line summary for the audit trail's before and after values.</summary>
    public string Describe() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"type={Type}, from={ActiveFrom:yyyy-MM-dd}, to={(ActiveTo is { } to ? to.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "open")}, modalities={(ModalityScope.Length == 0 ? "all" : ModalityScope.Replace('\\', ','))}, maxAgeDays={(MaxStudyAgeDays is { } days ? days.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any")}, suspended={IsSuspended}");

    private void Changed() => Version = Guid.NewGuid();

    public bool IsActiveAt(DateTimeOffset now) =>
        !IsSuspended && now >= ActiveFrom && (ActiveTo is null || now < ActiveTo);

    /// <summary>
    /// No agreement, no request: <paramref name="requestingFacilityId"/> may ask <paramref name="source"/> for images only
    /// while the source is active (null: no such facility) and one of <paramref name="agreements"/>, in that direction, is
    /// active at <paramref name="now"/>. Either type will do: a direct query &amp; retrieve agreement lets a clerk ask too.
    /// </summary>
    public static bool PermitsRequest(IEnumerable<Agreement> agreements, Guid requestingFacilityId, Facility? source, DateTimeOffset now) =>
        source is { IsActive: true } &&
        agreements.Any(a => a.RequestingFacilityId == requestingFacilityId && a.SourceFacilityId == source.Id && a.IsActiveAt(now));

    /// <summary>Whether a direct retrieve of a study of this modality and date is covered at <paramref name="now"/>.</summary>
    public bool CoversDirectRetrieve(string modality, DateOnly? studyDate, DateTimeOffset now)
    {
        if (Type != AgreementType.DirectQueryRetrieve || !IsActiveAt(now))
        {
            return false;
        }

        if (ModalityScope.Length > 0 && !Modalities.Contains(modality.Trim().ToUpperInvariant(), StringComparer.Ordinal))
        {
            return false;
        }

        if (MaxStudyAgeDays is { } days)
        {
            if (studyDate is null)
            {
                return false;
            }

            var oldest = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-days);
            if (studyDate < oldest)
            {
                return false;
            }
        }

        return true;
    }
}
