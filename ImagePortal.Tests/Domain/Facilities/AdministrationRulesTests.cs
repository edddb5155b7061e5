using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Settings;

namespace ImagePortal.Tests.Domain.Facilities;

public sealed class AdministrationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EveryFacilityChange_IncludingItsNodes_GivesANewVersion()
    {
        var facility = new Facility("Northvale", "NVH", "North", "NVH-MRN", "UTC");
        var versions = new List<Guid> { facility.Version };

        facility.SetContact("+353 1", "a@b.example");
        versions.Add(facility.Version);
        var node = facility.AddNode("PACS", AeTitle.Parse("PACS"), "127.0.0.1", 104, DicomCapabilities.All);
        versions.Add(facility.Version);
        facility.SetImportDestination(node.Id);
        versions.Add(facility.Version);
        facility.Deactivate();
        versions.Add(facility.Version);

        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    [Fact]
    public void UpdatingANode_ToTheAddressOfAnotherNodeOfTheFacility_IsRefused()
    {
        var facility = new Facility("Northvale", "NVH", "North", "NVH-MRN", "UTC");
        facility.AddNode("A", AeTitle.Parse("PACS"), "127.0.0.1", 104, DicomCapabilities.All);
        var second = facility.AddNode("B", AeTitle.Parse("OTHER"), "127.0.0.1", 105, DicomCapabilities.All);

        var error = Assert.Throws<DomainException>(() =>
            facility.UpdateNode(second.Id, "B", AeTitle.Parse("PACS"), "127.0.0.1", 104, DicomCapabilities.All, false));

        Assert.Equal("The facility already has a node PACS at 127.0.0.1:104.", error.Message);
        Assert.Equal("OTHER", second.AeTitleValue);
    }

    [Fact]
    public void Agreements_RefuseSuspendingTwiceOrResumingAnActiveOne_AndChangeVersionOnEachEdit()
    {
        var agreement = new Agreement(Guid.NewGuid(), Guid.NewGuid(), AgreementType.ManualRequest, Now);
        var version = agreement.Version;

        Assert.Throws<DomainException>(agreement.Resume);
        agreement.Suspend();
        Assert.NotEqual(version, agreement.Version);
        Assert.Throws<DomainException>(agreement.Suspend);
    }

    [Fact]
    public void PortalDicomSettings_ValidateEveryValueBeforeChangingAny()
    {
        var settings = new PortalDicomSettings(AeTitle.Parse("IMAGEPORTAL"), 11112, ["NVH_PACS", " nvh_pacs ", "NVH_PACS"]);

        Assert.Equal(["NVH_PACS", "nvh_pacs"], settings.AllowedCallingAeTitleList);
        Assert.Throws<DomainException>(() => settings.Update(AeTitle.Parse("NEW"), 0, []));
        var error = Assert.Throws<DomainException>(() => settings.Update(AeTitle.Parse("NEW"), 104, ["OK", "BAD\\AE"]));
        Assert.Equal("Allowed calling AE title 'BAD\\AE': The AE title must not contain a backslash.", error.Message);
        Assert.Equal(("IMAGEPORTAL", 11112), (settings.AeTitleValue, settings.Port));
    }
}
