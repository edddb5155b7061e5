using ImagePortal.Domain.Facilities;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Interop;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A DICOMweb node never associates with the portal's Storage SCP: it has no AE title, so the SCP's callers leave it
/// out (its host is not resolved, nor reported as unresolvable every minute).
/// </summary>
public sealed class StorageScpWebNodeTests(ScpAccessControlFixture fixture) : IClassFixture<ScpAccessControlFixture>
{
    [Fact]
    public async Task RefreshingTheCallers_LeavesDicomWebNodesOut()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.DbAsync(async db =>
        {
            var facility = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "TCH", ct);
            facility.AddWebNode("Cloud archive", DicomWebEndpoint.Create("https://no-such-pacs.invalid/dicom-web/", WebAuthentication.None),
                DicomCapabilities.Find | DicomCapabilities.Get);
            return await db.SaveChangesAsync(ct);
        });
        using var log = LogCapture.Attach(fixture.Services);

        await fixture.Scp.RefreshCallersAsync(ct);

        Assert.DoesNotContain(log.Entries, e => e.Contains("no-such-pacs.invalid", StringComparison.Ordinal) || e.Contains("Cloud archive", StringComparison.Ordinal));
    }
}
