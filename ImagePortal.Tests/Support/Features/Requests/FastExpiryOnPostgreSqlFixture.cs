using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>The same expiry settings on a fresh PostgreSQL database.</summary>
public sealed class FastExpiryOnPostgreSqlFixture : PostgreSqlUseCaseFixture
{
    protected override IReadOnlyDictionary<string, string?> PortalSettings => FastExpiryFixture.FastExpiry;
}
