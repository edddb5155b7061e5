using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>A portal that verifies its trail in the background every second.</summary>
public sealed class ScheduledVerificationFixture : UseCaseFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Audit:VerifyInterval"] = "00:00:01" };
}
