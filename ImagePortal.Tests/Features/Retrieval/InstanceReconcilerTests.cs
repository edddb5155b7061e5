using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Retrieval;

namespace ImagePortal.Tests.Features.Retrieval;

public sealed class InstanceReconcilerTests
{
    private static ReconcilePlan Plan(AccessionPolicy accession = AccessionPolicy.PrefixWithSourceCode, DemographicsPolicy demographics = DemographicsPolicy.KeepSource) =>
        new("NVH-1234", "NVH-MRN", "SBR-MRN", "SBR", accession, demographics,
            new PatientDetails("Müller", "Jürgen", new DateOnly(1958, 3, 12), PatientSex.Male, "SBR-77120", "NVH-1234"));

    private static DicomDataset Instance(string accession) => new DicomDataset()
        .SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100")
        .SetString(DicomTag.PatientID, "SBR-77120")
        .SetString(DicomTag.PatientName, "Mueller^Juergen")
        .SetString(DicomTag.AccessionNumber, accession);

    [Fact]
    public void TheInstance_IsFiledUnderTheLocalMrnAndIssuer_WithTheSourcesIdKeptInOtherPatientIds()
    {
        var dataset = Instance("A1");

        InstanceReconciler.Apply(dataset, Plan());

        Assert.Equal(("NVH-1234", "NVH-MRN"), (dataset.GetString(DicomTag.PatientID), dataset.GetString(DicomTag.IssuerOfPatientID)));
        var other = Assert.Single(dataset.GetSequence(DicomTag.OtherPatientIDsSequence)!.Items);
        Assert.Equal(("SBR-77120", "SBR-MRN"), (other.GetString(DicomTag.PatientID), other.GetString(DicomTag.IssuerOfPatientID)));
        Assert.Equal("Mueller^Juergen", dataset.GetString(DicomTag.PatientName));
    }

    [Theory]
    [InlineData("A1", "SBRA1")]
    [InlineData("1234567890123", "SBR1234567890123")]
    [InlineData("", "")]
    public void AnAccessionThatFitsWithThePrefix_IsPrefixed(string accession, string expected)
    {
        var dataset = Instance(accession);

        var notes = InstanceReconciler.Apply(dataset, Plan());

        Assert.Equal(expected, dataset.GetString(DicomTag.AccessionNumber) ?? string.Empty);
        Assert.Null(notes.AccessionKept);
    }

    [Fact]
    public void AnAccessionTooLongForThePrefix_IsKeptWhole_AndSaidSo_NeverCut()
    {
        // 15 characters: with "SBR" it would be 18, more than SH holds. Cutting its start would make it another number.
        var dataset = Instance("RAD-2024-000917");

        var notes = InstanceReconciler.Apply(dataset, Plan());

        Assert.Equal("RAD-2024-000917", dataset.GetString(DicomTag.AccessionNumber));
        Assert.Equal("RAD-2024-000917", notes.AccessionKept);
    }

    [Fact]
    public void TheTicketsDemographics_ReplaceTheSourcesWhereThePolicySaysSo_InACharacterSetThatHoldsThem()
    {
        var dataset = Instance("A1");

        InstanceReconciler.Apply(dataset, Plan(AccessionPolicy.Clear, DemographicsPolicy.ReplaceWithTicket));

        Assert.Equal("Müller^Jürgen", dataset.GetString(DicomTag.PatientName));
        Assert.Equal("19580312", dataset.GetString(DicomTag.PatientBirthDate));
        Assert.Equal("M", dataset.GetString(DicomTag.PatientSex));
        Assert.Equal(string.Empty, dataset.GetString(DicomTag.AccessionNumber) ?? string.Empty);
    }
}
