using System.Text;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Dicom;

public sealed class DicomValueTests
{
    [Fact]
    public void Tag_FormatsAndParsesBothNotationsAndKeywords()
    {
        Assert.Equal("(0010,0020)", DicomTag.PatientID.ToString());
        Assert.Equal(DicomTag.PatientID, DicomTag.Parse("(0010,0020)"));
        Assert.Equal(DicomTag.PatientID, DicomTag.Parse("00100020"));
        Assert.Equal(DicomTag.PatientID, DicomTag.Parse("PatientID"));
        Assert.Equal("PatientID", DicomTag.PatientID.Keyword);
        Assert.False(DicomTag.TryParse("NoSuchKeyword", out _));
    }

    [Fact]
    public void PrivateTags_KnowTheirCreatorBlock()
    {
        // PS3.5 §7.8.1: (0029,0010) reserves (0029,1000-10FF).
        var creator = new DicomTag(0x0029, 0x0010);
        var element = new DicomTag(0x0029, 0x1010);

        Assert.True(creator.IsPrivateCreator);
        Assert.False(element.IsPrivateCreator);
        Assert.Equal(creator, element.PrivateCreatorTag);
        Assert.Equal(DicomVR.LO, DicomDictionary.ImplicitVR(creator));
        Assert.Equal(DicomVR.UN, DicomDictionary.ImplicitVR(element));
    }

    [Fact]
    public void VRs_AreThoseOfPs35Table621_WithTheLongLengthFormOfTable711()
    {
        Assert.Equal(34, DicomVR.All.Count);
        var longLength = DicomVR.All.Where(v => v.HasLongLength).Select(v => v.Code).Order(StringComparer.Ordinal);
        Assert.Equal(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"], longLength);
        Assert.False(DicomVR.TryParse((byte)'Z', (byte)'Z', out _));
    }

    [Fact]
    public void Dictionary_ResolvesRepeatingGroupsAndPseudoVRs()
    {
        // PS3.5 §7.6: overlay groups 6000-601E (even) share their element definitions.
        var overlay = DicomDictionary.Find(new DicomTag(0x6002, 0x3000));

        Assert.Equal("OverlayData", overlay!.Keyword);
        Assert.Equal(DicomVR.OW, overlay.VR);
        Assert.Null(DicomDictionary.Find(new DicomTag(0x6001, 0x3000)));
        Assert.Equal(DicomVR.LO, DicomDictionary.Find(DicomTag.PatientID)!.VR);
        Assert.True(DicomDictionary.All.Count > 4900);
    }

    [Fact]
    public void Strings_AreSplitByValueMultiplicityAndUnpadded()
    {
        var dataset = new DicomDataset();
        dataset.SetBytes(DicomTag.ImageType, DicomVR.CS, Encoding.ASCII.GetBytes("ORIGINAL\\ PRIMARY \\AXIAL "));
        dataset.SetBytes(DicomTag.SOPInstanceUID, DicomVR.UI, Encoding.ASCII.GetBytes("1.2.3\0"));
        dataset.SetBytes(DicomTag.ImageComments, DicomVR.LT, Encoding.ASCII.GetBytes("  a\\b "));

        Assert.Equal(["ORIGINAL", "PRIMARY", "AXIAL"], dataset.GetStrings(DicomTag.ImageType));
        Assert.Equal("1.2.3", dataset.GetUid(DicomTag.SOPInstanceUID));
        // LT is one value and keeps its leading spaces and backslashes (PS3.5 Table 6.2-1).
        Assert.Equal(["  a\\b"], dataset.GetStrings(DicomTag.ImageComments));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2", true)]
    [InlineData("1.02.3", false)]
    [InlineData("1..2", false)]
    [InlineData("1.2.", false)]
    [InlineData("1.2a", false)]
    [InlineData("0.1", true)]
    public void Uids_AreValidatedByPs35Section91(string uid, bool valid)
    {
        Assert.Equal(valid, DicomUid.IsValid(uid));
    }

    [Fact]
    public void InvalidUid_IsRefusedOnReadAndOnWrite()
    {
        var dataset = new DicomDataset();
        dataset.SetBytes(DicomTag.SOPInstanceUID, DicomVR.UI, Encoding.ASCII.GetBytes("1.02"));

        Assert.Throws<FormatException>(() => dataset.GetUid(DicomTag.SOPInstanceUID));
        Assert.Throws<ArgumentException>(() => dataset.SetString(DicomTag.SOPInstanceUID, "1.2.x"));
    }

    [Fact]
    public void DatesTimesAndNumbers_AreParsedAsPs35Table621Defines()
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.StudyDate, "20261129");
        dataset.SetString(DicomTag.StudyTime, "193015.25");
        dataset.SetString(DicomTag.AcquisitionDateTime, "20261129193015.5+0100");
        dataset.SetStrings(DicomTag.PixelSpacing, "0.5", "-1.25e1");
        dataset.SetString(DicomTag.InstanceNumber, "-42");

        Assert.Equal(new DateOnly(2026, 11, 29), dataset.GetDate(DicomTag.StudyDate));
        Assert.Equal(new TimeOnly(19, 30, 15, 250), dataset.GetTime(DicomTag.StudyTime));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 19, 30, 15, 500, TimeSpan.FromHours(1)), dataset.GetDateTime(DicomTag.AcquisitionDateTime));
        Assert.Equal(-12.5, dataset.GetDecimalString(DicomTag.PixelSpacing, 1));
        Assert.Equal(-42, dataset.GetIntegerString(DicomTag.InstanceNumber));
        Assert.Equal(new DateOnly(1997, 4, 24), DicomDateTime.ParseDate("1997.04.24"));
        Assert.Throws<FormatException>(() => DicomDateTime.ParseDate("20261331"));
        Assert.Throws<FormatException>(() => DicomDateTime.ParseTime("2561"));
    }

    [Fact]
    public void PersonName_HasComponentGroupsAndComponents()
    {
        // PS3.5 §6.2.1.2 example: Yamada^Tarou=山田^太郎=やまだ^たろう.
        var name = DicomPersonName.Parse("Yamada^Tarou=山田^太郎=やまだ^たろう");

        Assert.Equal("Yamada", name.FamilyName);
        Assert.Equal("Tarou", name.GivenName);
        Assert.Equal("山田^太郎", name.Ideographic);
        Assert.Equal("やまだ^たろう", name.Phonetic);
        Assert.Equal("Doe^John", DicomPersonName.Parse("Doe^John^^^").ToString());
    }

    [Fact]
    public void BinaryValues_RoundTripForEveryNumericVR()
    {
        var dataset = new DicomDataset();
        dataset.SetValues(DicomTag.SelectorSVValue, DicomVR.SV, long.MinValue, 7L);
        dataset.SetValues(DicomTag.SelectorUVValue, DicomVR.UV, ulong.MaxValue);
        dataset.SetValues(DicomTag.SelectorFDValue, DicomVR.FD, Math.PI);
        dataset.SetValues(DicomTag.SelectorSSValue, DicomVR.SS, (short)-2);
        dataset.SetTags(DicomTag.SelectorATValue, DicomTag.PatientID);

        var reread = DicomReader.ReadDataset(new MemoryStream(DicomCodecTests.Write(dataset, DicomTransferSyntax.ExplicitVRLittleEndian)), DicomTransferSyntax.ExplicitVRLittleEndian);

        Assert.Equal([long.MinValue, 7L], reread.GetValues<long>(DicomTag.SelectorSVValue));
        Assert.Equal(ulong.MaxValue, reread.GetValue<ulong>(DicomTag.SelectorUVValue));
        Assert.Equal(Math.PI, reread.GetValue<double>(DicomTag.SelectorFDValue));
        Assert.Equal((short)-2, reread.GetValue<short>(DicomTag.SelectorSSValue));
        Assert.Equal([DicomTag.PatientID], reread.GetTags(DicomTag.SelectorATValue));
        Assert.Throws<InvalidOperationException>(() => reread.GetValues<int>(DicomTag.SelectorFDValue));
    }

    [Fact]
    public void PrivateTags_AreFoundAndReservedThroughTheirCreator()
    {
        var dataset = new DicomDataset();
        dataset.SetString(new DicomTag(0x0029, 0x0010), DicomVR.LO, "OTHER VENDOR");

        var tag = dataset.ReservePrivateTag(0x0029, "IMAGEPORTAL", 0x01);
        dataset.SetString(tag, DicomVR.LO, "reconciled");

        // PS3.5 §7.8.1: block 0x10 is taken, so IMAGEPORTAL gets (0029,0011) and its element 01 is (0029,1101).
        Assert.Equal(new DicomTag(0x0029, 0x1101), tag);
        Assert.Equal("IMAGEPORTAL", dataset.GetString(new DicomTag(0x0029, 0x0011)));
        Assert.Equal(tag, dataset.FindPrivateTag(0x0029, "IMAGEPORTAL", 0x01));
        Assert.Null(dataset.FindPrivateTag(0x0031, "IMAGEPORTAL", 0x01));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReservePrivateTag(0x0010, "X", 1));
    }

    [Fact]
    public void DeferredValue_FromACallersStream_LeavesItsPositionAlone()
    {
        var source = new DicomDataset();
        source.SetBytes(DicomTag.PixelData, DicomVR.OB, Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray());
        var stream = new MemoryStream(DicomCodecTests.Write(source, DicomTransferSyntax.ExplicitVRLittleEndian));

        var dataset = DicomReader.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian, new DicomReaderOptions { LargeValueThreshold = 100 });
        stream.Position = 5;

        Assert.Equal(source.GetBytes(DicomTag.PixelData).ToArray(), dataset.GetBytes(DicomTag.PixelData).ToArray());
        Assert.Equal(5, stream.Position);
    }
}
