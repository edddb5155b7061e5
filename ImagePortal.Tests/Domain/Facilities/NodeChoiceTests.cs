using ImagePortal.Domain.Facilities;

namespace ImagePortal.Tests.Domain.Facilities;

/// <summary>
/// The look-up, the partner search, the viewer and the retrieval each picked "the" node of a facility with their own
/// copy of a rule that ended on the order the database returned the nodes in: with two PACS that answer queries, the
/// viewer could fetch from another PACS than the look-up found the study on. The choice now reads the same whatever the
/// order of the list.
/// </summary>
public sealed class NodeChoiceTests
{
    private static Facility TwoPacs(out DicomNode a, out DicomNode b)
    {
        var facility = new Facility("Northvale General Hospital", "nvh", "Northvale", "NVH-MRN", "Europe/Dublin");
        b = facility.AddNode("Archive B", AeTitle.Parse("NVH_B"), "10.1.2.4", 104, DicomCapabilities.Find | DicomCapabilities.Move);
        a = facility.AddNode("Archive A", AeTitle.Parse("NVH_A"), "10.1.2.3", 104, DicomCapabilities.Find | DicomCapabilities.Move);
        facility.AddNode("Gateway", AeTitle.Parse("NVH_GW"), "10.1.2.5", 104, DicomCapabilities.Store | DicomCapabilities.Echo);
        return facility;
    }

    [Fact]
    public void ForQueries_DoesNotDependOnTheOrderOfTheNodes()
    {
        var facility = TwoPacs(out var a, out _);

        Assert.Equal(a.Id, NodeChoice.ForQueries(facility.Nodes)!.Id);
        Assert.Equal(a.Id, NodeChoice.ForQueries(facility.Nodes.Reverse())!.Id);
    }

    [Fact]
    public void ForQueries_PrefersTheImportDestination_AndNeedsCFind()
    {
        var facility = TwoPacs(out _, out var b);
        facility.UpdateNode(b.Id, b.Name, b.AeTitle, b.Host, b.Port, DicomCapabilities.All, false);
        facility.SetImportDestination(b.Id);

        Assert.Equal(b.Id, NodeChoice.ForQueries(facility.Nodes)!.Id);
        Assert.Null(NodeChoice.ForQueries(facility.Nodes.Where(n => n.Name == "Gateway")));
    }

    [Fact]
    public void ForRetrieval_IsTheQueriedNode_WhenNoNodeOffersCGet_WhateverTheOrder()
    {
        var facility = TwoPacs(out var a, out _);

        Assert.Equal(a.Id, NodeChoice.ForRetrieval(facility.Nodes)!.Id);
        Assert.Equal(a.Id, NodeChoice.ForRetrieval(facility.Nodes.Reverse())!.Id);
    }

    [Fact]
    public void ForRetrieval_PrefersCGet_ThenTheQueriedNode()
    {
        var facility = TwoPacs(out var a, out var b);
        facility.UpdateNode(b.Id, b.Name, b.AeTitle, b.Host, b.Port, DicomCapabilities.Find | DicomCapabilities.Get, false);

        Assert.Equal(b.Id, NodeChoice.ForRetrieval(facility.Nodes)!.Id);
        Assert.Equal(a.Id, NodeChoice.ForQueries(facility.Nodes)!.Id);
        Assert.Null(NodeChoice.ForRetrieval(facility.Nodes.Where(n => n.Name == "Gateway")));
    }
}
