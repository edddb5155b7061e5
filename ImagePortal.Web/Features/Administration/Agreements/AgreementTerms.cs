using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Agreements;

/// <summary>What an administrator sets on an agreement: its kind, validity and, for direct agreements, scope.</summary>
public sealed record AgreementTerms(
    AgreementType Type, DateTimeOffset ActiveFrom, DateTimeOffset? ActiveTo, IReadOnlyList<string> Modalities, int? MaxStudyAgeDays);
