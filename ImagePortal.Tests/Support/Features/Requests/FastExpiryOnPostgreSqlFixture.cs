using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>The same expiry settings on a fresh PostgreSQL database.</summary>
public sealed class FastExpiryOnPostgreSqlFixture : PostgreSqlUseCaseFixture
{
    protected override IReadOnlyDictionary<string, string?> PortalSettings => FastExpiryFixture.FastExpiry;
}
