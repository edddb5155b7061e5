using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>A C-FIND identifier as QIDO-RS parameters (PS3.18 §8.3.4): values match, empty keys are returned, UID lists take commas.</summary>
public sealed class QidoSearchTests
{
    [Fact]
    public void Query_OfTheLookUpsIdentifier_MatchesWhatHasAValue_AndAsksForTheRest()
    {
        var keys = PacsGateway.Identifier(new StudyQuery("SBR-1", "Müller^J*", null, new DateOnly(2024, 1, 1), null, ["CT", "MR"], "ACC1", ["1.2.3", "1.2.4"]));

        var query = QidoSearch.Query(keys, [], limit: 201);

        Assert.Equal(new Dictionary<string, string>
        {
            ["StudyInstanceUID"] = "1.2.3,1.2.4",
            ["PatientID"] = "SBR-1",
            ["PatientName"] = "Müller^J*",
            ["StudyDate"] = "20240101-",
            ["AccessionNumber"] = "ACC1",
            ["ModalitiesInStudy"] = "CT\\MR",
        }, query.Match);
        Assert.Contains("IssuerOfPatientID", query.IncludeFields);
        Assert.Contains("NumberOfStudyRelatedInstances", query.IncludeFields);
        Assert.DoesNotContain("SpecificCharacterSet", query.IncludeFields);
        Assert.DoesNotContain("QueryRetrieveLevel", query.IncludeFields);
        Assert.Equal(201, query.Limit);
        Assert.Contains("&StudyInstanceUID=1.2.3,1.2.4&", query.ToQueryString());
        Assert.Contains("&PatientName=M%C3%BCller%5EJ*&", query.ToQueryString());
    }

    [Fact]
    public void Query_AtImageLevel_LeavesOutTheUidsThePathNames()
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "IMAGE");
        keys.SetString(DicomTag.StudyInstanceUID, "1.2.3");
        keys.SetString(DicomTag.SeriesInstanceUID, "1.2.3.4");
        keys.SetString(DicomTag.SOPInstanceUID, string.Empty);

        var query = QidoSearch.Query(keys, [DicomTag.StudyInstanceUID, DicomTag.SeriesInstanceUID], limit: null);

        Assert.Empty(query.Match);
        Assert.Equal(["SOPInstanceUID"], query.IncludeFields);
        Assert.Equal("?includefield=SOPInstanceUID", query.ToQueryString());
    }
}
