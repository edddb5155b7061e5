using System.CommandLine;
using System.Diagnostics;
using ImagePortal.Cli.Commands;
using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Dicom;

/// <summary>
/// Every file of the pydicom corpus either reads, round-trips and agrees with DCMTK's dcm2json as data, or, where
/// DCMTK cannot read it either (not even with dcmconv --assume-implicit), fails with <see cref="DicomFormatException"/>.
/// No per-file expectations.
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
        using var temp = new TempDirectory();
        var reference = path;
        if (exit == DcmtkCannotRead)
        {
            // dcm2json has no --assume-implicit; dcmconv has: with it DCMTK reads an implicit VR data set under a meta
            // header that says explicit VR (pydicom's SC_rgb_jpeg.dcm), and writes it out as its header says.
            reference = Path.Combine(temp.Path, "dcmconv.dcm");
            var (convertExit, _, _) = await Run(ExternalTools.Require("dcmconv", "dcmtk"), cancellation, "-q", "-vr", path, reference);
            if (convertExit != 0)
            {
                var error = Assert.Throws<DicomFormatException>(() => DicomFile.Open(path));
                Assert.False(string.IsNullOrWhiteSpace(error.Reason));
                return;
            }

            Assert.NotEmpty(DicomFile.Open(path).Warnings);
            (exit, theirs, _) = await Run(dcm2json, cancellation, "-q", reference);
        }

        Assert.True(exit is 0 or DcmtkNoCharacterSetConversion or DcmtkCompressedPixelData, $"dcm2json exit {exit}");
        var file = DicomFile.Open(path);
        AssertRoundTrips(file);

        var ours = await DumpJson(path, cancellation);
        var ignored = new HashSet<string>();
        if (exit == DcmtkCompressedPixelData)
        {
            // DCMTK refuses encapsulated pixel data in JSON (PS3.18 §F.2.7 has no inline form for it); compare the
            // rest on a copy without it. The fragments themselves are checked by the byte-exact round trip above.
            var copy = Path.Combine(temp.Path, "copy.dcm");
            File.Copy(reference, copy);
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

    internal static async Task<string> DumpJson(string path, CancellationToken cancellation)
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
