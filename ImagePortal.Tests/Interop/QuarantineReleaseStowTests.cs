using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Administration;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Releasing a quarantined instance when NVH's import destination is a DICOMweb node: it goes by STOW-RS, reconciled as
/// the retrieval reconciles, into Orthanc's DICOMweb plugin (basic authentication), and is in the ledger; a node that
/// refuses it leaves it held, with the node's reason.
/// </summary>
public sealed class QuarantineReleaseStowTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private const string Reason = "Source corrected the patient ID; confirmed by phone with SBR PACS admin";
    private const string Password = "release-secret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Release_IntoADicomWebDestination_StoresItByStow_UnderTheLocalMrn_AndRecordsItInTheLedger()
    {
        await using var destination = await OrthancPeer.StartAsync(
            new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (WebImportDestination.User, Password) }, Ct);
        var node = await WebImportDestination.PointNvhAtAsync(fixture, destination.DicomWebRoot, Password);
        var request = await QuarantinedInstances.ApprovedRequestAsync(fixture, "MRN-QW1", sourcePatientId: "SBR-6100");
        var held = await QuarantinedInstances.HoldAsync(fixture, request, patientId: "SBR-61OO");

        var released = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ReleaseQuarantinedInstance(held.Id, Reason));

        Assert.True(released.IsSuccess, released.Failure?.Message);
        Assert.Contains($"imported into NVH cloud archive {destination.DicomWebRoot.Port} ({destination.DicomWebRoot})", released.Value);
        Assert.Equal([held.SopInstanceUid], await destination.InstanceUidsAsync(Ct));
        var id = (await destination.GetJsonAsync("instances", Ct)).EnumerateArray().Single().GetString();
        var tags = await destination.GetJsonAsync($"instances/{id}/tags?simplify", Ct);
        Assert.Equal("MRN-QW1", tags.GetProperty("PatientID").GetString());
        Assert.Equal("SBR-61OO", Assert.Single(tags.GetProperty("OtherPatientIDsSequence").EnumerateArray()).GetProperty("PatientID").GetString());
        var ledger = await fixture.DbAsync(db => db.ImportedInstances.SingleAsync(i => i.SopInstanceUid == held.SopInstanceUid, Ct));
        Assert.Equal(node, ledger.DestinationNodeId);
        Assert.Equal(QuarantineState.Released, (await QuarantinedInstances.RowAsync(fixture, held.Id)).State);
    }

    [Fact]
    public async Task Release_IntoADicomWebDestinationThatRefusesIt_KeepsItHeld_WithTheNodesReason()
    {
        await using var stub = await StowStub.StartAsync(Ct);
        stub.Answer = (_, uids) => (null, uids.ToDictionary(u => u, _ => (ushort)0xA700));
        await WebImportDestination.PointNvhAtAsync(fixture, stub.Root, password: null);
        var request = await QuarantinedInstances.ApprovedRequestAsync(fixture, "MRN-QW2");
        var held = await QuarantinedInstances.HoldAsync(fixture, request);

        var released = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ReleaseQuarantinedInstance(held.Id, Reason));

        Assert.False(released.IsSuccess);
        Assert.Contains("refused it: out of resources (0xA700)", released.Failure!.Message);
        Assert.Contains("stays in quarantine", released.Failure.Message);
        Assert.Equal([held.SopInstanceUid], stub.Sent.Keys);
        Assert.Equal(QuarantineState.Held, (await QuarantinedInstances.RowAsync(fixture, held.Id)).State);
        Assert.False(await fixture.DbAsync(db => db.ImportedInstances.AnyAsync(i => i.SopInstanceUid == held.SopInstanceUid, Ct)));
        Assert.True(File.Exists(held.Path));
    }
}
