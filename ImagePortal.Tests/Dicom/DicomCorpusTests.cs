using System.CommandLine;
using System.Diagnostics;
using ImagePortal.Cli.Commands;
using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Dicom;

/// <summary>
/// Every file of the pydicom corpus either reads, round-trips and agrees with DCMTK's dcm2json as data, or, where
/// DCMTK cannot read it either, fails with <see cref="DicomFormatException"/>. No per-file expectations.
/// </summary>
public sealed class DicomCorpusTests
{
    // dcm2json exit codes (dcmtk/dcmdata/apps/dcm2json.cc): 0 ok, 20 cannot read the file, 80 character set
    // conversion not available in this DCMTK build, 81 JSON cannot represent compressed pixel data inline.
    private const int DcmtkCannotRead = 20;
    private const int DcmtkNoCharacterSetConversion = 80;
    private const int DcmtkCompressedPixelData = 81;

    public static TheoryData<string> Files() => DicomCorpus.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public async Task CorpusFile_ReadsAndAgreesWithDcm2json_OrFailsLikeDcmtk(string relativePath)
    {
        var path = DicomCorpus.Require(relativePath);
        var dcm2json = ExternalTools.Require("dcm2json", "dcmtk");
        var cancellation = TestContext.Current.CancellationToken;
        var (exit, theirs, _) = await Run(dcm2json, cancellation, "-q", path);

        if (exit is not (0 or DcmtkNoCharacterSetConversion or DcmtkCompressedPixelData))
        {
            Assert.Equal(DcmtkCannotRead, exit);
            var error = Assert.Throws<DicomFormatException>(() => DicomFile.Open(path));
            Assert.False(string.IsNullOrWhiteSpace(error.Reason));
            return;
        }

        var file = DicomFile.Open(path);
        AssertRoundTrips(file);

        var ours = await DumpJson(path, cancellation);
        var ignored = new HashSet<string>();
        if (exit == DcmtkCompressedPixelData)
        {
            // DCMTK refuses encapsulated pixel data in JSON (PS3.18 §F.2.7 has no inline form for it); compare the
            // rest on a copy without it. The fragments themselves are checked by the byte-exact round trip above.
            using var temp = new TempDirectory();
            var copy = Path.Combine(temp.Path, "copy.dcm");
            File.Copy(path, copy);
            var dcmodify = ExternalTools.Require("dcmodify", "dcmtk");
            var (modifyExit, _, modifyError) = await Run(dcmodify, cancellation, "-q", "-nb", "-ea", "(7fe0,0010)", copy);
            Assert.True(modifyExit == 0, modifyError);
            (exit, theirs, _) = await Run(dcm2json, cancellation, "-q", copy);
            ignored.Add("7FE00010");
            // dcmodify, like all of DCMTK's writers, drops Data Set Trailing Padding (PS3.10 §7.2: it has no meaning).
            ignored.Add("FFFCFFFC");
        }

        if (exit == DcmtkNoCharacterSetConversion)
        {
            // This DCMTK build has no converter for the ISO 2022 Japanese sets; DicomCharacterSetTests checks those
            // files against pydicom instead.
            return;
        }

        Assert.Equal(0, exit);
        var differences = DicomJsonComparer.Compare(ours, theirs, ignored);
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    /// <summary>read → write → read gives the same elements (compared through their JSON, which covers every value).</summary>
    private static void AssertRoundTrips(DicomFile file)
    {
        var syntax = file.TransferSyntax.IsBigEndian ? DicomTransferSyntax.ExplicitVRLittleEndian : file.TransferSyntax;
        var copy = new DicomFile(file.Preamble, file.FileMetaInformation, file.Dataset, syntax);
        var stream = new MemoryStream();
        copy.Write(stream);
        stream.Position = 0;
        var reread = DicomFile.Read(stream);
        var differences = DicomJsonComparer.Compare(DicomJsonWriter.Serialize(reread.Dataset), DicomJsonWriter.Serialize(file.Dataset));
        Assert.True(differences.Count == 0, "round trip: " + string.Join(Environment.NewLine, differences));
    }

    private static async Task<string> DumpJson(string path, CancellationToken cancellation)
    {
        var root = new RootCommand();
        root.Subcommands.Add(DumpCommand.Create());
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await root.Parse(["dump", "--json", path]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellation);
        Assert.True(exit == 0, error.ToString());
        return output.ToString();
    }

    internal static async Task<(int Exit, string Output, string Error)> Run(string program, CancellationToken cancellation, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var error = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        return (process.ExitCode, await output, await error);
    }
}
