using ImagePortal.Infrastructure.Retrieval;

namespace ImagePortal.Tests.Features.Retrieval;

public sealed class StoragePlanTests
{
    private static string SopClass(int i) => $"1.2.840.10008.5.1.4.1.1.{i + 1}";

    [Fact]
    public void EverySopClassIsOfferedEveryStorageSyntax_WithinTheContextsOneAssociationHolds()
    {
        var classes = Enumerable.Range(0, StoragePlan.ClassesPerAssociation).Select(SopClass).ToList();

        var proposals = StoragePlan.Proposals(classes, role: true);

        // PS3.8 9.3.2.2: at most 128 presentation contexts; the C-GET's own context comes on top.
        Assert.True(proposals.Count + 1 <= 128, $"{proposals.Count} storage contexts");
        foreach (var sopClass in classes)
        {
            Assert.Equal(StoragePlan.StorageSyntaxes.Order(), proposals.Where(p => p.AbstractSyntax == sopClass).SelectMany(p => p.TransferSyntaxes).Order());
        }

        Assert.All(proposals, p => Assert.True(p.Role is { ScpRole: true, ScuRole: false }));
        Assert.Contains("1.2.840.10008.1.2.5", StoragePlan.StorageSyntaxes);
        Assert.Contains("1.2.840.10008.1.2.2", StoragePlan.StorageSyntaxes);
        Assert.Contains("1.2.840.10008.1.2.1.99", StoragePlan.StorageSyntaxes);
    }

    [Fact]
    public void MoreSopClassesThanOneAssociationHolds_AreRefused_SoNoSyntaxIsDroppedSilently() =>
        Assert.Throws<ArgumentException>(() => StoragePlan.Proposals([.. Enumerable.Range(0, StoragePlan.ClassesPerAssociation + 1).Select(SopClass)], role: false));

    [Fact]
    public void InstancesOfTwelveSopClasses_AreGroupedSoThatEachGroupFitsOneAssociation_NoneLeftOut()
    {
        var instances = Enumerable.Range(0, 30).Select(i => new ExpectedInstance("1.2.3", "1.2.3.4", $"1.2.3.4.{i + 1}", SopClass(i % 12))).ToList();

        var groups = StoragePlan.Groups(instances);

        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.InRange(g.Select(i => i.SopClassUid).Distinct().Count(), 1, StoragePlan.ClassesPerAssociation));
        Assert.Equal(instances.Select(i => i.SopInstanceUid).Order(), groups.SelectMany(g => g).Select(i => i.SopInstanceUid).Order());
        Assert.Empty(groups[0].Select(i => i.SopClassUid).Intersect(groups[1].Select(i => i.SopClassUid)));
    }
}
