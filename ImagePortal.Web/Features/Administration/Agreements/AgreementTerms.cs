using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Agreements;

/// <summary>What an administrator sets on an agreement: its kind, validity and, for direct agreements, scope.</summary>
public sealed record AgreementTerms(
    AgreementType Type, DateTimeOffset ActiveFrom, DateTimeOffset? ActiveTo, IReadOnlyList<string> Modalities, int? MaxStudyAgeDays);
