using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>A PostgreSQL database collating by glibc's en_US.UTF-8.</summary>
public sealed class EnUsLibcPostgreSqlFixture : PostgreSqlUseCaseFixture
{
    protected override PostgresLocale Locale => PostgresLocale.EnUsLibc;
}
