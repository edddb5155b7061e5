using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Dicom;

public sealed class DicomRoundTripTests
{
    [Theory]
    [InlineData("test_files/CT_small.dcm")]
    [InlineData("test_files/MR_small.dcm")]
    [InlineData("test_files/rtplan.dcm")]
    [InlineData("test_files/JPEG2000.dcm")]
    public void UnchangedCanonicalFile_IsRewrittenByteForByte(string relativePath)
    {
        var path = DicomCorpus.Require(relativePath);
        var original = File.ReadAllBytes(path);

        var file = DicomFile.Open(path);
        var output = new MemoryStream();
        file.Write(output);

        Assert.Equal(original, output.ToArray());
    }

    [Fact]
    public void ChangingPatientIdentity_KeepsEverythingElse()
    {
        var path = DicomCorpus.Require("test_files/CT_small.dcm");
        var file = DicomFile.Open(path);
        var before = file.Dataset.Select(i => i.Tag).ToList();

        file.Dataset.SetString(DicomTag.PatientID, "NEW-ID-7");
        file.Dataset.SetString(DicomTag.IssuerOfPatientID, "HOSPITAL_A");
        var other = new DicomDataset();
        other.SetString(DicomTag.PatientID, "OLD-1");
        other.SetString(DicomTag.IssuerOfPatientID, "HOSPITAL_B");
        file.Dataset.AddSequenceItem(DicomTag.OtherPatientIDsSequence, other);
        var output = new MemoryStream();
        file.Write(output);
        output.Position = 0;
        var reread = DicomFile.Read(output);

        Assert.Equal("NEW-ID-7", reread.Dataset.GetString(DicomTag.PatientID));
        Assert.Equal("HOSPITAL_A", reread.Dataset.GetString(DicomTag.IssuerOfPatientID));
        Assert.Equal("OLD-1", reread.Dataset.GetSequence(DicomTag.OtherPatientIDsSequence)!.Items[^1].GetString(DicomTag.PatientID));
        Assert.Equal(file.TransferSyntax, reread.TransferSyntax);
        Assert.Equal(before.Union([DicomTag.IssuerOfPatientID, DicomTag.OtherPatientIDsSequence]).Order(), reread.Dataset.Select(i => i.Tag));
        Assert.Equal(file.Dataset.GetBytes(DicomTag.PixelData).ToArray(), reread.Dataset.GetBytes(DicomTag.PixelData).ToArray());
    }
}
