using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>A PostgreSQL database collating by glibc's en_US.UTF-8.</summary>
public sealed class EnUsLibcPostgreSqlFixture : PostgreSqlUseCaseFixture
{
    protected override PostgresLocale Locale => PostgresLocale.EnUsLibc;
}
