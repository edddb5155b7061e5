using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>A portal whose expiry job looks every second and gives requests one day past their due time.</summary>
public sealed class FastExpiryFixture : UseCaseFixture
{
    internal static readonly IReadOnlyDictionary<string, string?> FastExpiry = new Dictionary<string, string?>
    {
        ["Requests:Expiry:Interval"] = "00:00:01",
        ["Requests:Expiry:GracePeriod"] = "1.00:00:00",
    };

    protected override IReadOnlyDictionary<string, string?> Settings => FastExpiry;
}
