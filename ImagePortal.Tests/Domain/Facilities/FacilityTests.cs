using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Tests.Domain.Facilities;

public sealed class FacilityTests
{
    private static Facility NewFacility() => new("Northvale General Hospital", "nvh", "Northvale", "NVH-MRN", "Europe/Dublin");

    [Fact]
    public void New_NormalisesTheCode_AndStartsActive()
    {
        var facility = NewFacility();

        Assert.Equal("NVH", facility.Code);
        Assert.True(facility.IsActive);
        Assert.Equal(PriorityDueTimes.Default, facility.DueTimes);
    }

    [Theory]
    [InlineData("N-V-H")]
    [InlineData("../x")]
    [InlineData("TOOLONGCODE1")]
    [InlineData("")]
    public void New_RefusesABadCode(string code) =>
        Assert.Throws<DomainException>(() => new Facility("Name", code, "Region", "ISSUER", "UTC"));

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    public void SetTimeZone_RefusesUnknownZones(string zone) =>
        Assert.Throws<DomainException>(() => NewFacility().SetTimeZone(zone));

    [Fact]
    public void SetPatientIdIssuer_RefusesABackslash_WhichWouldSplitTheDicomValue() =>
        Assert.Throws<DomainException>(() => NewFacility().SetPatientIdIssuer("A\\B"));

    [Fact]
    public void ImportDestination_IsAlwaysAtMostOneNode_AndMustAcceptStore()
    {
        var facility = NewFacility();
        var pacs = facility.AddNode("PACS", AeTitle.Parse("NVH_PACS"), "10.1.2.3", 104, DicomCapabilities.All);
        var gateway = facility.AddNode("Gateway", AeTitle.Parse("NVH_GW"), "gateway.nvh.example", 11112, DicomCapabilities.Store | DicomCapabilities.Echo);
        var worklist = facility.AddNode("Query only", AeTitle.Parse("NVH_QR"), "10.1.2.4", 104, DicomCapabilities.Find);

        facility.SetImportDestination(pacs.Id);
        facility.SetImportDestination(gateway.Id);

        Assert.Same(gateway, facility.ImportDestination);
        Assert.False(pacs.IsImportDestination);
        Assert.Throws<DomainException>(() => facility.SetImportDestination(worklist.Id));
        Assert.Same(gateway, facility.ImportDestination);
    }

    [Fact]
    public void UpdateNode_CannotTakeStoreAwayFromTheImportDestination()
    {
        var facility = NewFacility();
        var pacs = facility.AddNode("PACS", AeTitle.Parse("NVH_PACS"), "10.1.2.3", 104, DicomCapabilities.All);
        facility.SetImportDestination(pacs.Id);

        Assert.Throws<DomainException>(() =>
            facility.UpdateNode(pacs.Id, "PACS", AeTitle.Parse("NVH_PACS"), "10.1.2.3", 104, DicomCapabilities.Find, false));
        Assert.Equal(DicomCapabilities.All, pacs.Capabilities);
    }

    [Fact]
    public void UpdateNode_WithABadHost_ChangesNothing()
    {
        var facility = NewFacility();
        var pacs = facility.AddNode("PACS", AeTitle.Parse("NVH_PACS"), "10.1.2.3", 104, DicomCapabilities.All);

        Assert.Throws<DomainException>(() =>
            facility.UpdateNode(pacs.Id, "Renamed", AeTitle.Parse("NEW_AE"), "bad host", 11112, DicomCapabilities.All, false));

        Assert.Equal(("PACS", "NVH_PACS", "10.1.2.3", 104), (pacs.Name, pacs.AeTitleValue, pacs.Host, pacs.Port));
    }

    [Fact]
    public void AddNode_RefusesTheSameAeAtTheSameAddressTwice()
    {
        var facility = NewFacility();
        facility.AddNode("PACS", AeTitle.Parse("NVH_PACS"), "10.1.2.3", 104, DicomCapabilities.All);

        Assert.Throws<DomainException>(() => facility.AddNode("Again", AeTitle.Parse("NVH_PACS"), "10.1.2.3", 104, DicomCapabilities.All));
    }

    [Theory]
    [InlineData("pacs.example.org")]
    [InlineData("10.0.0.1")]
    [InlineData("::1")]
    [InlineData("localhost")]
    public void ValidateHost_AcceptsNamesAndAddresses(string host) => Assert.Equal(host, DicomNode.ValidateHost(host));

    [Theory]
    [InlineData("http://pacs")]
    [InlineData("pacs/../etc")]
    [InlineData("-pacs.example")]
    [InlineData("pacs..example")]
    [InlineData("pacs example")]
    public void ValidateHost_RefusesAnythingElse(string host) => Assert.Throws<DomainException>(() => DicomNode.ValidateHost(host));

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(-104)]
    public void ValidatePort_RefusesOutOfRange(int port) => Assert.Throws<DomainException>(() => DicomNode.ValidatePort(port));

    [Theory]
    [InlineData(1, true)]
    [InlineData(65535, true)]
    [InlineData(0, false)]
    [InlineData(65536, false)]
    public void IsPort_IsWhatValidatePortAccepts_AndItsRefusalSaysPortOutOfRange(int port, bool valid)
    {
        Assert.Equal(valid, DicomNode.IsPort(port));
        if (!valid)
        {
            Assert.Equal(DicomNode.PortOutOfRange, Assert.Throws<DomainException>(() => DicomNode.ValidatePort(port)).Message);
        }
    }

    [Fact]
    public void OnlyANodeThatAcceptsStore_CanBeTheImportDestination()
    {
        Assert.True(DicomNode.CanBeImportDestination(DicomCapabilities.Store | DicomCapabilities.Echo));
        Assert.False(DicomNode.CanBeImportDestination(DicomCapabilities.Find | DicomCapabilities.Move | DicomCapabilities.Echo));
    }

    [Fact]
    public void DueTimes_MustBePositiveAndOrdered()
    {
        var facility = NewFacility();
        Assert.Throws<DomainException>(() => facility.SetDueTimes(new PriorityDueTimes(TimeSpan.FromHours(5), TimeSpan.FromHours(4), 2)));
        Assert.Throws<DomainException>(() => facility.SetDueTimes(new PriorityDueTimes(TimeSpan.Zero, TimeSpan.FromHours(4), 2)));
        Assert.Throws<DomainException>(() => facility.SetDueTimes(new PriorityDueTimes(TimeSpan.FromHours(1), TimeSpan.FromHours(4), 0)));

        facility.SetDueTimes(new PriorityDueTimes(TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), 3));
        Assert.Equal(3, facility.DueTimes.RoutineWorkingDays);
    }
}
