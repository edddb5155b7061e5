using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Dicom;

/// <summary>
/// Damage met on real files that DCMTK and pydicom read with a warning (DICOM_NOTES, "Traps met on real data"):
/// zero padding after the data set, and a meta header that says explicit VR over an implicit VR data set. Read
/// with a warning, the same elements as DCMTK; what is really broken still fails.
/// </summary>
public sealed class DicomRealWorldFileTests
{
    /// <summary>The MR file that showed the padding carried 2.5 MB of zeros after its Pixel Data.</summary>
    private const int RealPaddingLength = 2_500_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("test_files/MR_small.dcm")]
    [InlineData("test_files/MR_small_implicit.dcm")]
    [InlineData("test_files/MR_small_bigendian.dcm")]
    [InlineData("test_files/CT_small.dcm")]
    public async Task TrailingZeroPadding_IsSkippedWithAWarning_AndTheElementsAgreeWithDcm2json(string corpusFile)
    {
        using var folder = new TempDirectory("padded");
        var original = DicomCorpus.Require(corpusFile);
        var padded = folder.Combine("padded.dcm");
        await File.WriteAllBytesAsync(padded, [.. await File.ReadAllBytesAsync(original, Ct), .. new byte[RealPaddingLength]], Ct);

        var file = DicomFile.Open(padded);

        Assert.Contains(file.Warnings, warning => warning.Contains($"{RealPaddingLength} bytes of zero padding", StringComparison.Ordinal));
        Assert.Empty(DicomJsonComparer.Compare(DicomJsonWriter.Serialize(file.Dataset), DicomJsonWriter.Serialize(DicomFile.Open(original).Dataset)));
        var (exit, theirs, _) = await DicomCorpusTests.Run(ExternalTools.Require("dcm2json", "dcmtk"), Ct, "-q", padded);
        Assert.Equal(0, exit);
        Assert.Empty(DicomJsonComparer.Compare(await DicomCorpusTests.DumpJson(padded, Ct), theirs));
    }

    [Fact]
    public void TrailingZeroPadding_ShorterThanAnElementHeader_IsSkippedWithAWarning()
    {
        var bytes = File.ReadAllBytes(DicomCorpus.Require("test_files/MR_small.dcm"));

        var file = DicomFile.Read(new MemoryStream([.. bytes, 0, 0, 0]));

        Assert.Contains(file.Warnings, warning => warning.Contains("3 bytes of zero padding", StringComparison.Ordinal));
    }

    [Fact]
    public void ZeroBytesFollowedByData_AfterTheDataSet_StillFail()
    {
        var bytes = File.ReadAllBytes(DicomCorpus.Require("test_files/MR_small.dcm"));

        var error = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream([.. bytes, .. new byte[64], 0x08, 0x00, 0x10, 0x00])));

        Assert.Equal(bytes.Length + 64, error.Offset);
    }

    [Fact]
    public void ACleanFile_HasNoWarnings()
    {
        Assert.Empty(DicomFile.Open(DicomCorpus.Require("test_files/MR_small.dcm")).Warnings);
    }

    [Fact]
    public async Task ImplicitDataSetUnderExplicitMeta_IsReadAsImplicitWithAWarning_AndAgreesWithDcmtk()
    {
        using var folder = new TempDirectory("mislabelled");
        var path = await WriteImplicitUnderExplicitMetaAsync(folder.Combine("mislabelled.dcm"));

        var file = DicomFile.Open(path);

        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian, file.TransferSyntax);
        Assert.Contains(file.Warnings, warning => warning.Contains("implicit VR", StringComparison.Ordinal));
        var implicitOriginal = DicomFile.Open(DicomCorpus.Require("test_files/MR_small_implicit.dcm"));
        Assert.Empty(DicomJsonComparer.Compare(DicomJsonWriter.Serialize(file.Dataset), DicomJsonWriter.Serialize(implicitOriginal.Dataset)));

        // dcm2json refuses the file; DCMTK reads it with --assume-implicit (dcmconv -vr), element by element.
        var repaired = folder.Combine("dcmtk.dcm");
        var (convertExit, _, convertError) = await DicomCorpusTests.Run(ExternalTools.Require("dcmconv", "dcmtk"), Ct, "-q", "-vr", path, repaired);
        Assert.True(convertExit == 0, convertError);
        var (exit, theirs, _) = await DicomCorpusTests.Run(ExternalTools.Require("dcm2json", "dcmtk"), Ct, "-q", repaired);
        Assert.Equal(0, exit);
        // Element by element, DCMTK gives "US or SS" elements the dictionary's US; read as a whole data set they are
        // SS here, as Pixel Representation (0028,0103) says (PS3.3 C.7.6.3.1.3), which dcm2json of the correctly
        // labelled original agrees with.
        var ours = await DicomCorpusTests.DumpJson(path, Ct);
        Assert.Empty(DicomJsonComparer.Compare(ours, theirs, new HashSet<string> { "00280106", "00280107" }));
        var (originalExit, original, _) = await DicomCorpusTests.Run(ExternalTools.Require("dcm2json", "dcmtk"), Ct, "-q", DicomCorpus.Require("test_files/MR_small_implicit.dcm"));
        Assert.Equal(0, originalExit);
        Assert.Empty(DicomJsonComparer.Compare(ours, original));
    }

    [Fact]
    public async Task ImplicitDataSetUnderExplicitMeta_HeaderOnly_SaysImplicit_SoAReencodedHeaderFitsTheUntouchedRest()
    {
        using var folder = new TempDirectory("mislabelled");
        var path = await WriteImplicitUnderExplicitMetaAsync(folder.Combine("mislabelled.dcm"));

        var header = DicomFile.Open(path, new DicomReaderOptions { StopAtTag = DicomTag.PixelData });

        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian, header.TransferSyntax);
        Assert.NotEmpty(header.Warnings);
        // What the retrieval worker does: the header re-encoded in the file's transfer syntax, the rest copied as it was.
        var joined = new MemoryStream();
        DicomWriter.WriteDataset(joined, header.Dataset, header.TransferSyntax);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        joined.Write(bytes.AsSpan((int)header.StoppedAtOffset!.Value));
        joined.Position = 0;
        var rejoined = DicomReader.ReadDataset(joined, header.TransferSyntax);
        Assert.Empty(DicomJsonComparer.Compare(DicomJsonWriter.Serialize(rejoined), DicomJsonWriter.Serialize(DicomFile.Open(path).Dataset)));
    }

    [Fact]
    public async Task ImplicitDataSetUnderExplicitMeta_WithATruncatedValue_StillFails()
    {
        using var folder = new TempDirectory("mislabelled");
        var path = await WriteImplicitUnderExplicitMetaAsync(folder.Combine("mislabelled.dcm"));
        var bytes = await File.ReadAllBytesAsync(path, Ct);

        var error = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bytes[..^100])));

        Assert.Contains("bytes left", error.Reason);
    }

    [Fact]
    public void TruncatedValue_StillFails()
    {
        var bytes = File.ReadAllBytes(DicomCorpus.Require("test_files/MR_small.dcm"));

        var error = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bytes[..^100])));

        Assert.Contains("bytes left", error.Reason);
    }

    [Fact]
    public void TruncatedValue_FollowedByZeroPadding_StillFails()
    {
        // Pixel Data cut short and then padded: the zeros count as the value, but the value is still longer than the
        // file, so the length is beyond the data.
        var bytes = File.ReadAllBytes(DicomCorpus.Require("test_files/MR_small.dcm"));

        Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream([.. bytes[..^4000], .. new byte[1000]])));
    }

    /// <summary>
    /// pydicom's MR_small_implicit.dcm with its meta header rewritten to say explicit VR little endian: the shape of
    /// pydicom's SC_rgb_jpeg.dcm (whose header says JPEG Baseline, also explicit VR), on a file without pixel compression.
    /// </summary>
    private static async Task<string> WriteImplicitUnderExplicitMetaAsync(string path)
    {
        await using var source = File.OpenRead(DicomCorpus.Require("test_files/MR_small_implicit.dcm"));
        var header = await Part10Header.ReadAsync(source, Ct);
        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian.Uid, header.TransferSyntaxUid);
        await using var target = File.Create(path);
        await target.WriteAsync((header with { TransferSyntaxUid = DicomTransferSyntax.ExplicitVRLittleEndian.Uid }).Encode(), Ct);
        await source.CopyToAsync(target, Ct);
        return path;
    }
}
