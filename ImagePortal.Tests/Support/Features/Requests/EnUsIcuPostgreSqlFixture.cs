using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>A PostgreSQL database collating by ICU's en-US.</summary>
public sealed class EnUsIcuPostgreSqlFixture : PostgreSqlUseCaseFixture
{
    protected override PostgresLocale Locale => PostgresLocale.EnUsIcu;
}
