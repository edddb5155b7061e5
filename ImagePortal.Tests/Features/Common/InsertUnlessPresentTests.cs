using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Common;

/// <summary>
/// The insert every node may make at once (the syslog export's state row, an audit checkpoint): the second finds the
/// row there, quietly.
/// </summary>
public abstract class InsertUnlessPresentTestsBase(UseCaseFixture fixture)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARowAlreadyThere_IsNotWrittenAgain_AndNothingIsLogged()
    {
        var name = $"t{Guid.NewGuid():N}"[..30];
        using var log = LogCapture.Attach(fixture.Services);

        var first = await fixture.DbAsync(db => db.InsertUnlessPresentAsync(new AuditExportState(name), Cancel));
        var second = await fixture.DbAsync(db => db.InsertUnlessPresentAsync(new AuditExportState(name), Cancel));

        Assert.Equal((true, false), (first, second));
        Assert.Equal(1, await fixture.DbAsync(db => db.AuditExports.CountAsync(s => s.Name == name, Cancel)));
        Assert.DoesNotContain(log.Entries, e => e.Contains("AuditExports", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEntityItCannotWriteAsSaveChangesWould_IsRefused()
    {
        var facility = new Facility("Another Sligo", "SBR2", "North West", "2.25.1", "Europe/Dublin");

        var refused = await Record.ExceptionAsync(() => fixture.DbAsync(db => db.InsertUnlessPresentAsync(facility, Cancel)));

        Assert.IsType<NotSupportedException>(refused);
    }
}

/// <summary>On SQLite.</summary>
public sealed class InsertUnlessPresentTests(UseCaseFixture fixture) : InsertUnlessPresentTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On PostgreSQL.</summary>
public sealed class InsertUnlessPresentOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture)
    : InsertUnlessPresentTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
