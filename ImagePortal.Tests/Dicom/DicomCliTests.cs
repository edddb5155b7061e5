using System.CommandLine;
using ImagePortal.Cli.Commands;
using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Dicom;

public sealed class DicomCliTests
{
    [Fact]
    public async Task Dump_PrintsOneDcmdumpStyleLinePerElement()
    {
        var path = DicomCorpus.Require("test_files/CT_small.dcm");

        var (exit, output, _) = await Invoke("dump", path);

        Assert.Equal(0, exit);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("(0010,0020) LO [1CT1]", StringComparison.Ordinal) && l.TrimEnd().EndsWith("#   4, 1 PatientID", StringComparison.Ordinal));
        Assert.Contains(output.Split('\n'), l => l.StartsWith("  (fffe,e000) na (Item with", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dump_UnreadableFile_ExitsNonZeroNamingTheProblem()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("broken.dcm");
        await File.WriteAllBytesAsync(path, [0x08, 0x00, 0x10, 0x00, 0xFF, 0xFF, 0xFF, 0x7F], TestContext.Current.CancellationToken);

        var (exit, _, error) = await Invoke("dump", path);

        Assert.Equal(1, exit);
        Assert.Contains("cannot read", error, StringComparison.Ordinal);
        Assert.Contains("bytes left", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_FileWithTrailingZeroPadding_ExitsZeroAndPrintsTheWarning()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("padded.dcm");
        await File.WriteAllBytesAsync(path, [.. File.ReadAllBytes(DicomCorpus.Require("test_files/CT_small.dcm")), .. new byte[4096]], TestContext.Current.CancellationToken);

        var (exit, output, error) = await Invoke("dump", path);

        Assert.Equal(0, exit);
        Assert.Contains("(0010,0020) LO [1CT1]", output, StringComparison.Ordinal);
        Assert.Contains($"imageportal dump: warning: {path}: 4096 bytes of zero padding", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Modify_ChangesPatientIdentity_AndKeepsPixelDataAndTransferSyntax()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("ct.dcm");
        File.Copy(DicomCorpus.Require("test_files/JPEG2000.dcm"), path);
        var before = DicomFile.Open(path);
        var pixels = Assert.IsType<DicomFragmentSequence>(before.Dataset[DicomTag.PixelData]).Fragments.Select(f => f.GetBytes().ToArray()).ToList();

        var (exit, _, error) = await Invoke("modify", "-m", "PatientID=NEW-7", "-i", "IssuerOfPatientID=HOSP_A", path);

        Assert.True(exit == 0, error);
        var after = DicomFile.Open(path);
        Assert.Equal("NEW-7", after.Dataset.GetString(DicomTag.PatientID));
        Assert.Equal("HOSP_A", after.Dataset.GetString(DicomTag.IssuerOfPatientID));
        Assert.Equal(before.TransferSyntax, after.TransferSyntax);
        Assert.Equal(pixels, Assert.IsType<DicomFragmentSequence>(after.Dataset[DicomTag.PixelData]).Fragments.Select(f => f.GetBytes().ToArray()));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public async Task Modify_MissingElement_FailsLikeDcmodify()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("ct.dcm");
        File.Copy(DicomCorpus.Require("test_files/CT_small.dcm"), path);

        var (exit, _, error) = await Invoke("modify", "-m", "IssuerOfPatientID=X", path);

        Assert.Equal(1, exit);
        Assert.Contains("--insert", error, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(DicomCorpus.Require("test_files/CT_small.dcm")), File.ReadAllBytes(path));
    }

    private static async Task<(int Exit, string Output, string Error)> Invoke(params string[] args)
    {
        var root = new RootCommand();
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
