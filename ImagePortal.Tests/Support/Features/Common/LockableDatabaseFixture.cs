using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Common;

/// <summary>A portal whose database gives up on a lock after one second (the shipped default waits thirty).</summary>
public sealed class LockableDatabaseFixture : UseCaseFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ConnectionStrings:ImagePortal"] = "Data Source=portal.db;Default Timeout=1",
        [$"Logging:LogLevel:{typeof(AuditTrail).FullName}"] = "Debug",
    };

    public Task<string> ConnectionStringAsync() => DbAsync(db => Task.FromResult(db.Database.GetConnectionString()!));
}
