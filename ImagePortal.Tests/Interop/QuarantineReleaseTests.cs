using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Features.Administration;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Administration;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Releasing a quarantined instance into a real destination (Orthanc as NVH's PACS): it arrives reconciled exactly as
/// the retrieval reconciles (local MRN and issuer, the source's ID in Other Patient IDs Sequence), is in the
/// exactly-once ledger, and is not sent again when the ledger already holds it.
/// </summary>
public sealed class QuarantineReleaseTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private const string Reason = "Source corrected the patient ID; confirmed by phone with SBR PACS admin";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Release_ImportsTheInstanceUnderTheLocalMrn_WithTheSourceIdInOtherPatientIds_AndRecordsItInTheLedger()
    {
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var destinationId = await PointNvhAtAsync(destination);
        var request = await QuarantinedInstances.ApprovedRequestAsync(fixture, "MRN-Q7", sourcePatientId: "SBR-6100");
        var held = await QuarantinedInstances.HoldAsync(fixture, request, patientId: "SBR-61OO");

        var released = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ReleaseQuarantinedInstance(held.Id, Reason));

        Assert.True(released.IsSuccess, released.Failure?.Message);
        Assert.Contains($"imported into NVH_PACS as patient MRN-Q7", released.Value);
        Assert.Equal([held.SopInstanceUid], await destination.InstanceUidsAsync(Ct));
        var id = (await destination.GetJsonAsync("instances", Ct)).EnumerateArray().Single().GetString();
        var tags = await destination.GetJsonAsync($"instances/{id}/tags?simplify", Ct);
        Assert.Equal("MRN-Q7", tags.GetProperty("PatientID").GetString());
        Assert.Equal("NVH-MRN", tags.GetProperty("IssuerOfPatientID").GetString());
        var other = Assert.Single(tags.GetProperty("OtherPatientIDsSequence").EnumerateArray());
        Assert.Equal("SBR-61OO", other.GetProperty("PatientID").GetString());
        Assert.Equal("SBR-MRN", other.GetProperty("IssuerOfPatientID").GetString());
        Assert.Equal(request.StudyInstanceUid, tags.GetProperty("StudyInstanceUID").GetString());

        var ledger = await fixture.DbAsync(db => db.ImportedInstances.SingleAsync(i => i.SopInstanceUid == held.SopInstanceUid, Ct));
        Assert.Equal(destinationId, ledger.DestinationNodeId);
        Assert.Equal(request.JobId, ledger.JobId);
        Assert.Equal(request.StudyInstanceUid, ledger.StudyInstanceUid);
        var row = await QuarantinedInstances.RowAsync(fixture, held.Id);
        Assert.Equal(QuarantineState.Released, row.State);
        Assert.Equal(DemoUsers.AdminNvh.UserName, row.ResolvedBy);
        Assert.Equal(Reason, row.Resolution);
        Assert.False(File.Exists(held.Path));

        var timeline = await fixture.DbAsync(db => db.RequestEvents.Where(e => e.RequestId == request.RequestId).ToListAsync(Ct));
        var note = Assert.Single(timeline, e => e.Kind == RequestEventKind.QuarantineReleased);
        Assert.Contains(held.SopInstanceUid, note.Text);
        Assert.Contains(Reason, note.Text);
        var audit = Assert.Single(await fixture.AuditAsync(AuditEventType.InstancesTransferred, $"Quarantined instance {held.SopInstanceUid} released"));
        Assert.Equal(DemoUsers.AdminNvh.UserName, audit.UserName);
        Assert.Equal("MRN-Q7", audit.PatientId);
        Assert.Equal(request.Number, audit.ObjectReference);
    }

    [Fact]
    public async Task Release_OfAnInstanceTheLedgerAlreadyHolds_SendsNothing_AndStillReleasesIt()
    {
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var destinationId = await PointNvhAtAsync(destination);
        var request = await QuarantinedInstances.ApprovedRequestAsync(fixture, "MRN-Q8");
        var held = await QuarantinedInstances.HoldAsync(fixture, request);
        await fixture.DbAsync(db =>
        {
            db.ImportedInstances.Add(new ImportedInstance(request.JobId, destinationId, request.StudyInstanceUid, held.SopInstanceUid, held.Bytes, DateTimeOffset.UtcNow));
            return db.SaveChangesAsync(Ct);
        });

        var released = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new ReleaseQuarantinedInstance(held.Id, Reason));

        Assert.True(released.IsSuccess, released.Failure?.Message);
        Assert.Contains("not sent again", released.Value);
        Assert.Empty(await destination.InstanceUidsAsync(Ct));
        Assert.Equal(1, await fixture.DbAsync(db => db.ImportedInstances.CountAsync(i => i.SopInstanceUid == held.SopInstanceUid, Ct)));
        Assert.Equal(QuarantineState.Released, (await QuarantinedInstances.RowAsync(fixture, held.Id)).State);
    }

    private Task<Guid> PointNvhAtAsync(OrthancPeer destination) => fixture.DbAsync(async db =>
    {
        var nvh = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "NVH", Ct);
        var node = nvh.ImportDestination!;
        nvh.UpdateNode(node.Id, node.Name, AeTitle.Parse(destination.AeTitle), "127.0.0.1", destination.DicomPort, DicomCapabilities.All, false);
        await db.SaveChangesAsync(Ct);
        return node.Id;
    });
}
