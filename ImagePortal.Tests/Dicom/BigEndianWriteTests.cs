using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Dicom;

/// <summary>
/// Explicit VR big endian (PS3.5 §A.3, retired) is written as well as read: a big-endian instance whose header was
/// reconciled can travel on in its own encoding to a PACS that takes it. Checked against DCMTK's reading of both files.
/// </summary>
public sealed class BigEndianWriteTests
{
    public static TheoryData<string> Files() =>
        ["ExplVR_BigEnd.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "rtdose_expb.dcm", "rtdose_expb_1frame.dcm", "liver_expb_1frame.dcm"];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task ABigEndianFile_WrittenAgain_ReadsTheSame_ForUsAndForDcmtk(string name)
    {
        var original = DicomCorpus.Require(Path.Combine("test_files", name));
        using var folder = new TempDirectory("big-endian-write");
        var read = DicomFile.Open(original);
        Assert.True(read.TransferSyntax.IsBigEndian);

        var written = Path.Combine(folder.Path, name);
        new DicomFile(null, read.FileMetaInformation, read.Dataset, DicomTransferSyntax.ExplicitVRBigEndian).Save(written);

        var again = DicomFile.Open(written);
        Assert.Equal(DicomTransferSyntax.ExplicitVRBigEndian, again.TransferSyntax);
        Assert.Equal(DicomJsonWriter.Serialize(read.Dataset), DicomJsonWriter.Serialize(again.Dataset));
        Assert.Equal(await DataSetDumpAsync(original), await DataSetDumpAsync(written));
    }

    /// <summary>DCMTK's dump of the data set (not the meta header), every value printed in full.</summary>
    private static async Task<string> DataSetDumpAsync(string path)
    {
        var (exit, output) = await DcmtkTools.RunAsync("dcmdump", ["-q", "+L", "-M", "+U8", path], TestContext.Current.CancellationToken);
        Assert.True(exit == 0, output);
        var lines = output.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("# Dicom-Data-Set", StringComparison.Ordinal));
        return string.Join('\n', lines.Skip(start + 2).Where(l => !l.Contains("GroupLength", StringComparison.Ordinal)));
    }
}
