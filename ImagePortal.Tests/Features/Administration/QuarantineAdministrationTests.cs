using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Features.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Administration;

/// <summary>
/// The quarantine's use cases on the server: who may list, delete and release what (network administrators everything;
/// facility administrators what their facility requested; nobody else), and what a delete and a failed release leave.
/// </summary>
public abstract class QuarantineAdministrationTestsBase(UseCaseFixture fixture)
{
    private const string AdminTch = "admin.tch";
    private const string Reason = "Another patient's image; the source PACS administrator confirmed by phone";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_ShowsTheNetworkAdminAndTheRequestingFacilitysAdmin_TheHeldInstance_AndNoOtherFacilitysAdmin()
    {
        var held = await HoldAsync("NVH-Q1");

        var network = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListQuarantinedInstances(false, 0, 100));
        var own = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListQuarantinedInstances(false, 0, 100));
        var other = await fixture.QueryAsync(AdminTch, new ListQuarantinedInstances(false, 0, 100));

        Assert.Contains(network.Value!.Items, r => r.Id == held.Id);
        var row = Assert.Single(own.Value!.Items, r => r.Id == held.Id);
        Assert.Equal(held.Request.Number, row.Number);
        Assert.Equal("SBR", row.SourceFacility);
        Assert.Equal("SBR_PACS", row.SourceAeTitle);
        Assert.Equal(held.SopInstanceUid, row.SopInstanceUid);
        Assert.Equal(held.Request.StudyInstanceUid, row.StudyInstanceUid);
        Assert.Equal("SBR-6199", row.PatientId);
        Assert.Equal(held.Bytes, row.Bytes);
        Assert.Equal(QuarantineState.Held, row.State);
        Assert.DoesNotContain(other.Value!.Items, r => r.Id == held.Id);
    }

    [Theory]
    [InlineData("clerk.nvh")]
    [InlineData(AuditorSupport.NetworkAuditor)]
    [InlineData("approver.nvh")]
    public async Task NonAdministrators_AreRefusedEveryQuarantineUseCase_AtTheHandler(string userName)
    {
        var held = await HoldAsync("NVH-Q2" + userName[..3]);

        var list = await fixture.QueryAsync(userName, new ListQuarantinedInstances(false, 0, 10));
        var delete = await fixture.CommandAsync(userName, new DeleteQuarantinedInstance(held.Id, Reason));
        var release = await fixture.CommandAsync(userName, new ReleaseQuarantinedInstance(held.Id, Reason));

        Assert.Equal(FailureKind.Forbidden, list.Failure!.Kind);
        Assert.Equal(FailureKind.Forbidden, delete.Failure!.Kind);
        Assert.Equal(FailureKind.Forbidden, release.Failure!.Kind);
        await AssertStillHeldAsync(held);
    }

    [Fact]
    public async Task AnotherFacilitysAdmin_GetsNotFound_ForDeleteAndRelease_AndEachIsASecurityAlert()
    {
        var held = await HoldAsync("NVH-Q3");

        var delete = await fixture.CommandAsync(AdminTch, new DeleteQuarantinedInstance(held.Id, Reason));
        var release = await fixture.CommandAsync(AdminTch, new ReleaseQuarantinedInstance(held.Id, Reason));

        Assert.Equal(FailureKind.NotFound, delete.Failure!.Kind);
        Assert.Equal(QuarantineAccess.NotFoundMessage, delete.Failure.Message);
        Assert.Equal(FailureKind.NotFound, release.Failure!.Kind);
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Deleting a quarantined instance refused: quarantined instance {held.Id}"));
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Releasing a quarantined instance refused: quarantined instance {held.Id}"));
        await AssertStillHeldAsync(held);
    }

    [Fact]
    public async Task AForgedId_IsNotFound_AndASecurityAlert()
    {
        var forged = Guid.NewGuid();

        var delete = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new DeleteQuarantinedInstance(forged, Reason));
        var release = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new ReleaseQuarantinedInstance(forged, Reason));

        Assert.Equal(FailureKind.NotFound, delete.Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, release.Failure!.Kind);
        var alerts = await fixture.AuditAsync(AuditEventType.SecurityAlert, forged.ToString());
        Assert.Equal(2, alerts.Count);
        Assert.Contains(alerts, a => a.UserName == DemoUsers.AdminNvh.UserName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task DeleteAndRelease_WithoutAReason_AreRefused(string reason)
    {
        var held = await HoldAsync("NVH-Q4" + reason.Length);

        var delete = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new DeleteQuarantinedInstance(held.Id, reason));
        var release = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ReleaseQuarantinedInstance(held.Id, reason));

        Assert.Equal(FailureKind.Invalid, delete.Failure!.Kind);
        Assert.Equal("A reason is required.", delete.Failure.Message);
        Assert.Equal(FailureKind.Invalid, release.Failure!.Kind);
        await AssertStillHeldAsync(held);
    }

    [Fact]
    public async Task Delete_RemovesTheFile_KeepsTheRowDeletedWithWhoWhenAndWhy_AndIsAudited()
    {
        var held = await HoldAsync("NVH-Q5");

        var deleted = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new DeleteQuarantinedInstance(held.Id, Reason));

        Assert.True(deleted.IsSuccess, deleted.Failure?.Message);
        Assert.False(File.Exists(held.Path));
        var row = await QuarantinedInstances.RowAsync(fixture, held.Id);
        Assert.Equal(QuarantineState.Deleted, row.State);
        Assert.Equal(DemoUsers.AdminNvh.UserName, row.ResolvedBy);
        Assert.NotNull(row.ResolvedAt);
        Assert.Equal(Reason, row.Resolution);
        var audit = Assert.Single(await fixture.AuditAsync(AuditEventType.PatientRecord, $"quarantined instance {held.SopInstanceUid}"));
        Assert.Equal(AuditAction.Delete, audit.Action);
        Assert.Equal(DemoUsers.AdminNvh.UserName, audit.UserName);
        Assert.Equal(held.Request.Number, audit.ObjectReference);
        Assert.Contains(Reason, audit.Description);

        var again = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new DeleteQuarantinedInstance(held.Id, Reason));
        Assert.Equal(FailureKind.Invalid, again.Failure!.Kind);
        Assert.Contains("already deleted", again.Failure.Message);
        var list = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListQuarantinedInstances(false, 0, 100));
        Assert.DoesNotContain(list.Value!.Items, r => r.Id == held.Id);
        var all = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListQuarantinedInstances(true, 0, 100));
        Assert.Equal(QuarantineState.Deleted, Assert.Single(all.Value!.Items, r => r.Id == held.Id).State);
    }

    [Fact]
    public async Task Release_WhenTheDestinationCannotBeReached_SaysWhy_AndTheInstanceStaysHeld()
    {
        var held = await HoldAsync("NVH-Q6");
        var deadPort = FreePort.Next();
        await fixture.DbAsync(async db =>
        {
            var nvh = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "NVH", Ct);
            var node = nvh.ImportDestination!;
            nvh.UpdateNode(node.Id, node.Name, node.AeTitle, "127.0.0.1", deadPort, node.Capabilities, node.UseTls);
            return await db.SaveChangesAsync(Ct);
        });

        var released = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ReleaseQuarantinedInstance(held.Id, Reason));

        Assert.Equal(FailureKind.Unavailable, released.Failure!.Kind);
        Assert.Contains($"at 127.0.0.1:{deadPort} cannot be reached", released.Failure.Message);
        Assert.Contains("stays in quarantine", released.Failure.Message);
        await AssertStillHeldAsync(held);
        Assert.False(await fixture.DbAsync(db => db.ImportedInstances.AnyAsync(i => i.SopInstanceUid == held.SopInstanceUid, Ct)));
    }

    private async Task<HeldInstance> HoldAsync(string localMrn) =>
        await QuarantinedInstances.HoldAsync(fixture, await QuarantinedInstances.ApprovedRequestAsync(fixture, localMrn));

    private async Task AssertStillHeldAsync(HeldInstance held)
    {
        var row = await QuarantinedInstances.RowAsync(fixture, held.Id);
        Assert.Equal(QuarantineState.Held, row.State);
        Assert.Null(row.ResolvedBy);
        Assert.True(File.Exists(held.Path));
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class QuarantineAdministrationTests(UseCaseFixture fixture) : QuarantineAdministrationTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class QuarantineAdministrationOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : QuarantineAdministrationTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
