using System.Text.RegularExpressions;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>The patient every file of a <see cref="PatientCorpus"/> is rewritten to belong to.</summary>
public sealed record CorpusPatient(string PatientId, string PatientName, string BirthDate);

/// <summary>A corpus file rewritten for one patient: where the copy is, and what it is (as DCMTK reads the copy).</summary>
public sealed record CorpusFile(string Name, string CopyPath, string SopClassUid, string SopInstanceUid, string StudyUid, string TransferSyntaxUid);

/// <summary>The copies, and the files left out with why.</summary>
public sealed record CorpusPreparation(IReadOnlyList<CorpusFile> Files, IReadOnlyList<(string Name, string Reason)> Skipped);

/// <summary>
/// Copies of the pydicom corpus (Debian's python3-pydicom) as the instances of one patient at a PACS: every file DCMTK
/// reads that is a composite instance (SOP Class, SOP Instance and Study Instance UIDs; no DICOMDIR) is copied and
/// rewritten with <c>dcmodify</c>, which keeps each file's transfer syntax (big endian and deflated included; checked
/// with <c>dcmdump</c> on the copy). Each copy gets a fresh SOP Instance UID (several corpus files share one: they are
/// the same image in other syntaxes) and one of the given Study Instance UIDs, round-robin.
/// </summary>
public static partial class PatientCorpus
{
    private const string Root = ImagePortal.Tests.Dicom.DicomCorpus.Root;

    private const string DirectoryStorage = "1.2.840.10008.1.3.10";

    public static async Task<CorpusPreparation> PrepareAsync(string folder, CorpusPatient patient, IReadOnlyList<string> studyUids, CancellationToken cancellationToken)
    {
        ExternalTools.RequireDirectory(Root, "python3-pydicom");
        Directory.CreateDirectory(folder);
        var candidates = new[] { "test_files", "charset_files" }
            .SelectMany(f => Directory.EnumerateFiles(Path.Combine(Root, f), "*", SearchOption.AllDirectories))
            .Where(IsCandidate)
            .Order(StringComparer.Ordinal)
            .Select((path, index) => (Path: path, Index: index, Name: Path.GetRelativePath(Root, path)))
            .ToList();
        var files = new CorpusFile?[candidates.Count];
        var skipped = new (string Name, string Reason)?[candidates.Count];
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (candidate, ct) =>
        {
            var original = await DumpAsync(candidate.Path, ct);
            var reason = original is null ? "dcmdump cannot read it"
                : original.Top.ContainsKey("(0004,1220)") || original.Top.GetValueOrDefault("(0008,0016)") == DirectoryStorage ? "a DICOMDIR, not an instance"
                : new[] { "(0008,0016)", "(0008,0018)", "(0020,000d)" }.FirstOrDefault(t => string.IsNullOrEmpty(original.Top.GetValueOrDefault(t))) is { } absent ? $"no {absent}"
                : null;
            if (reason is not null)
            {
                skipped[candidate.Index] = (candidate.Name, reason);
                return;
            }

            var copy = Path.Combine(folder, $"{candidate.Index:D3}-{Path.GetFileName(candidate.Path)}");
            File.Copy(candidate.Path, copy);
            var studyUid = studyUids[candidate.Index % studyUids.Count];
            var sopInstanceUid = "2.25." + new System.Numerics.BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true);
            // Erased, then inserted: dcmodify cannot give an element kept as UN a new value ("Corrupted data"); inserted
            // anew, it takes its dictionary VR.
            (string Tag, string Value)[] values = [("(0010,0010)", patient.PatientName), ("(0010,0020)", patient.PatientId), ("(0010,0030)", patient.BirthDate),
                ("(0020,000d)", studyUid), ("(0008,0018)", sopInstanceUid)];
            var (exit, output) = await DcmtkTools.RunAsync("dcmodify",
                ["-nb", "-imt", .. values.SelectMany(v => new[] { "-e", v.Tag, "-i", $"{v.Tag}={v.Value}" }), copy], ct);
            var rewritten = exit == 0 ? await DumpAsync(copy, ct) : null;
            if (rewritten is null)
            {
                skipped[candidate.Index] = (candidate.Name, $"dcmodify could not rewrite it (exit {exit}): {Last(output)}");
                return;
            }

            // dcmodify must leave the encoding alone: the point is to send each syntax as the corpus has it.
            Assert.True(rewritten.DataSetSyntax == original!.DataSetSyntax,
                $"{candidate.Name}: dcmodify rewrote {original.DataSetSyntax} as {rewritten.DataSetSyntax}");
            Assert.Equal(patient.PatientId, rewritten.Top.GetValueOrDefault("(0010,0020)"));
            Assert.Equal(sopInstanceUid, rewritten.Top.GetValueOrDefault("(0008,0018)"));
            files[candidate.Index] = new CorpusFile(candidate.Name, copy, rewritten.Top["(0008,0016)"], sopInstanceUid, studyUid,
                rewritten.Top.GetValueOrDefault("(0002,0010)") ?? rewritten.DataSetSyntax);
        });
        return new CorpusPreparation([.. files.OfType<CorpusFile>()], [.. skipped.Where(s => s is not null).Select(s => s!.Value)]);
    }

    /// <summary>.dcm files and extension-less ones (the DICOMDIR test folders), as <c>DicomCorpus</c> lists them.</summary>
    private static bool IsCandidate(string file)
    {
        var extension = Path.GetExtension(file);
        return extension.Equals(".dcm", StringComparison.OrdinalIgnoreCase)
            || (extension.Length == 0 && !Path.GetFileName(file).StartsWith('.'));
    }

    private sealed record Dump(string DataSetSyntax, IReadOnlyDictionary<string, string> Top);

    /// <summary>The top-level elements of <c>dcmdump</c>'s output (UIDs as numbers) and the syntax it read the data set in.</summary>
    private static async Task<Dump?> DumpAsync(string path, CancellationToken cancellationToken)
    {
        var (exit, output) = await DcmtkTools.RunAsync("dcmdump", ["-q", "-Un", "-M", "+L", path], cancellationToken);
        if (exit != 0)
        {
            return null;
        }

        var syntaxes = UsedSyntax().Matches(output).Select(m => m.Groups[1].Value.Trim()).ToList();
        var top = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in TopLevelElement().Matches(output))
        {
            top.TryAdd(match.Groups[1].Value.ToLowerInvariant(), match.Groups[2].Value == "UN" ? FromHex(match.Groups[4].Value) : match.Groups[3].Value);
        }

        return syntaxes.Count == 0 ? null : new Dump(syntaxes[^1], top);
    }

    /// <summary>A value kept as UN (rtdose_rle.dcm has its UIDs so), which dcmdump prints as hex bytes: "31\\2e\\32".</summary>
    private static string FromHex(string bytes)
    {
        try
        {
            return System.Text.Encoding.ASCII.GetString([.. bytes.Split('\\').Select(b => Convert.ToByte(b, 16))]).TrimEnd('\0', ' ');
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }

    private static string Last(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;

    [GeneratedRegex(@"^# Used TransferSyntax: (.+)$", RegexOptions.Multiline)]
    private static partial Regex UsedSyntax();

    /// <summary>A line that starts with its tag (nested elements are indented): tag, VR, the value between brackets, or the first word after the VR.</summary>
    [GeneratedRegex(@"^(\([0-9a-fA-F]{4},[0-9a-fA-F]{4}\)) ([A-Z]{2}) (?:\[([^\]]*)\]|(\S*))", RegexOptions.Multiline)]
    private static partial Regex TopLevelElement();
}
