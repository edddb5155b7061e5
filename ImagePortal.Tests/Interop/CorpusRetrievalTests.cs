using System.Diagnostics;
using System.Text;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Dicom;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The whole pydicom corpus as one patient's three studies at SBR's PACS (Orthanc): every instance the source holds
/// must arrive at NVH's PACS (an Orthanc that takes any SOP class) under the local MRN, every other element as the
/// source has it and pixel data byte for byte, by C-GET and by C-MOVE. The report names each file's fate.
/// </summary>
public sealed class CorpusRetrievalTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private const string LocalIssuer = "NVH-MRN";
    private const string SourceIssuer = "SBR-MRN";
    private const string SourceCode = "SBR";
    private static readonly CorpusPatient Patient = new("SBR-CORPUS", "Corpus^Pat", "19700101");

    /// <summary>The whole corpus moves in seconds; a request still running after this has hung, and is reported so.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    /// <summary>The reconciled patient elements (checked one by one) and the accession number (checked against the policy).</summary>
    private static readonly HashSet<string> Reconciled = ["00100020", "00100021", "00101002", "00080050"];

    /// <summary>What Orthanc logs at every start (versions, folders, security notices): not about the transfer.</summary>
    private static readonly System.Text.RegularExpressions.Regex StartUpNotice =
        new(@"(main|OrthancConfiguration|FromDcmtkBridge|OrthancInitialization|HttpClient|LuaContext|ServerContext|ServerIndex|JobsEngine)\.cpp");

    private static readonly System.Text.RegularExpressions.Regex Digits = new(@"\d+");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The assertions are in RetrieveCorpusAsync: the request ends as expected without hanging, and every corpus file has an
    // acceptable fate (imported intact or converted, or one the source itself cannot send).
    [Fact]
    public Task CGet_ImportsEveryCorpusInstance_Intact() => RetrieveCorpusAsync("C-GET", DicomCapabilities.All, "MRN-CORPUS-GET");

    [Fact]
    public Task CMoveOnly_ImportsEveryCorpusInstance_Intact() => RetrieveCorpusAsync("C-MOVE", DicomCapabilities.All & ~DicomCapabilities.Get, "MRN-CORPUS-MOVE");

    /// <summary>
    /// <see cref="Fate.ImportedConverted"/>: retired big endian, imported in explicit VR little endian with every value
    /// equal. <see cref="Fate.SourceCannotSend"/>: failed with the source's reason, and DCMTK's getscu, offering the
    /// instance's own syntax, gets nothing of it from the source either.
    /// </summary>
    private enum Fate { ImportedIntact, ImportedConverted, ImportedTranscoded, ImportedAltered, SourceCannotSend, Failed, Quarantined, Missing }

    private sealed record Outcome(CorpusFile File, Fate Fate, string Detail, bool DestinationRefusesOriginal = false)
    {
        public bool Acceptable =>
            Fate is Fate.ImportedIntact or Fate.ImportedConverted or Fate.SourceCannotSend || (Fate == Fate.ImportedTranscoded && DestinationRefusesOriginal);
    }

    private async Task RetrieveCorpusAsync(string variant, DicomCapabilities sourceCapabilities, string localMrn)
    {
        var clock = Stopwatch.StartNew();
        using var files = new TempDirectory("corpus-retrieval");
        using var log = LogCapture.Attach(fixture.Services);
        string[] studyUids = [SyntheticStudy.NewUid(), SyntheticStudy.NewUid(), SyntheticStudy.NewUid()];
        var corpus = await PatientCorpus.PrepareAsync(files.Combine("corpus"), Patient, studyUids, Ct);
        var moves = !sourceCapabilities.HasFlag(DicomCapabilities.Get);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS", UnknownSopClassAccepted = true, TcpNoDelay = true }, Ct);
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions
        {
            AeTitle = "SBR_PACS",
            UnknownSopClassAccepted = true,
            TcpNoDelay = true,
            Modalities = moves ? [new OrthancModality("portal", "IMAGEPORTAL", fixture.ScpPort)] : [],
        }, Ct);
        var (held, refused) = await UploadAsync(source, corpus.Files);
        var steps = new RetrievalSteps(fixture);
        await steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, sourceCapabilities);
        await steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);
        var prepared = clock.Elapsed;

        var number = await steps.FileAndApproveAsync(localMrn, [.. studyUids.Select((uid, i) => new ImagePortal.Web.Features.Requests.ApprovedStudy(
            uid, new DateOnly(2024, 1, 15), "OT", $"Corpus study {i + 1}", null, held.Keys.Count(f => f.StudyUid == uid),
            new SourcePatient(Patient.PatientId, null, Patient.PatientName, new DateOnly(1970, 1, 1))))]);
        var end = await steps.WaitForEndOrHangAsync(number, Bound);
        var retrieved = clock.Elapsed;

        var outcomes = await OutcomesAsync(end.Request, held, source, destination, localMrn, files);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleOrDefaultAsync(j => j.RequestId == end.Request.Id, Ct));
        var report = Report(variant, number, corpus, refused, outcomes, end, job, log, source, destination, (prepared, retrieved - prepared, clock.Elapsed - retrieved));
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        if (outcomes.FirstOrDefault(o => o.Fate == Fate.ImportedIntact) is { } intact && outcomes.Any(o => o.Fate == Fate.SourceCannotSend))
        {
            // The probe that excuses an instance must be able to fetch one the source can send.
            Assert.False(await SourceCannotSendAsync(source, intact.File, held[intact.File], files), $"getscu could not fetch {intact.File.Name} either: the probe proves nothing");
        }

        // Completed, or PartiallyCompleted where the only instances missing are those the source itself cannot send.
        var expectedStatus = outcomes.Any(o => o.Fate == Fate.SourceCannotSend) ? RequestStatus.PartiallyCompleted : RequestStatus.Completed;
        Assert.True(!end.Hung && end.Request.Status == expectedStatus && outcomes.All(o => o.Acceptable), report);
    }

    /// <summary>POST /instances each copy; what Orthanc refuses is left out, with its answer.</summary>
    private static async Task<(Dictionary<CorpusFile, string> Held, List<(string Name, string Reason)> Refused)> UploadAsync(OrthancPeer source, IReadOnlyList<CorpusFile> files)
    {
        var held = new Dictionary<CorpusFile, string>();
        var refused = new List<(string, string)>();
        foreach (var file in files)
        {
            using var content = new ByteArrayContent(await File.ReadAllBytesAsync(file.CopyPath, Ct));
            using var response = await source.Http.PostAsync("instances", content, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (!response.IsSuccessStatusCode)
            {
                refused.Add((file.Name, $"HTTP {(int)response.StatusCode}: {string.Join(' ', body.Split('\n', StringSplitOptions.TrimEntries))}"));
                continue;
            }

            held[file] = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("ID").GetString()!;
        }

        return (held, refused);
    }

    private async Task<List<Outcome>> OutcomesAsync(ImageRequest request, Dictionary<CorpusFile, string> held, OrthancPeer source, OrthancPeer destination, string localMrn, TempDirectory files)
    {
        var arrived = await OrthancIdsAsync(destination);
        var (failures, quarantined) = await fixture.DbAsync(async db =>
        {
            var jobs = await db.RetrievalJobs.Where(j => j.RequestId == request.Id).Select(j => j.Id).ToListAsync(Ct);
            var failed = await db.FailedInstances.Where(f => jobs.Contains(f.JobId)).ToListAsync(Ct);
            var kept = await db.QuarantinedInstances.Where(q => q.RequestId == request.Id).ToListAsync(Ct);
            return (failed.GroupBy(f => f.SopInstanceUid).ToDictionary(g => g.Key, g => g.Last().Reason),
                kept.GroupBy(q => q.SopInstanceUid).ToDictionary(g => g.Key, g => g.Last().Reason));
        });

        var outcomes = new List<Outcome>();
        foreach (var (file, sourceId) in held.OrderBy(h => h.Key.Name, StringComparer.Ordinal))
        {
            if (arrived.TryGetValue(file.SopInstanceUid, out var destinationId))
            {
                outcomes.Add(await CompareAsync(file, sourceId, destinationId, source, destination, localMrn, files));
            }
            else if (quarantined.TryGetValue(file.SopInstanceUid, out var problem))
            {
                outcomes.Add(new Outcome(file, Fate.Quarantined, problem));
            }
            else
            {
                outcomes.Add(!failures.TryGetValue(file.SopInstanceUid, out var reason)
                    ? new Outcome(file, Fate.Missing, "not at the destination, and the request names no failure for it")
                    : await SourceCannotSendAsync(source, file, sourceId, files)
                        ? new Outcome(file, Fate.SourceCannotSend, reason + "; DCMTK's getscu gets nothing of it from the source either")
                        : new Outcome(file, Fate.Failed, reason));
            }
        }

        return outcomes;
    }

    /// <summary>Both files as the two PACS hold them, read with our reader and compared as DICOM JSON.</summary>
    private static async Task<Outcome> CompareAsync(CorpusFile file, string sourceId, string destinationId, OrthancPeer source, OrthancPeer destination, string localMrn, TempDirectory files)
    {
        var sourcePath = files.Combine($"{destinationId}.source.dcm");
        var destinationPath = files.Combine($"{destinationId}.destination.dcm");
        await File.WriteAllBytesAsync(sourcePath, await source.Http.GetByteArrayAsync($"instances/{sourceId}/file", Ct), Ct);
        await File.WriteAllBytesAsync(destinationPath, await destination.Http.GetByteArrayAsync($"instances/{destinationId}/file", Ct), Ct);
        DicomFile sent, stored;
        try
        {
            (sent, stored) = (DicomFile.Open(sourcePath), DicomFile.Open(destinationPath));
        }
        catch (DicomFormatException error)
        {
            return new Outcome(file, Fate.ImportedAltered, $"cannot compare, our reader fails: {error.Message}");
        }

        var problems = new List<string>();
        Expect("PatientID", stored.Dataset.GetString(DicomTag.PatientID), localMrn);
        Expect("IssuerOfPatientID", stored.Dataset.GetString(DicomTag.IssuerOfPatientID), LocalIssuer);
        var sourceIssuer = sent.Dataset.GetString(DicomTag.IssuerOfPatientID) is { Length: > 0 } issuer ? issuer : SourceIssuer;
        if (stored.Dataset.GetSequence(DicomTag.OtherPatientIDsSequence)?.Items.Any(i =>
                i.GetString(DicomTag.PatientID) == Patient.PatientId && i.GetString(DicomTag.IssuerOfPatientID) == sourceIssuer) != true)
        {
            problems.Add($"OtherPatientIDsSequence lacks {Patient.PatientId} of {sourceIssuer}");
        }

        var accession = sent.Dataset.GetString(DicomTag.AccessionNumber);
        Expect("AccessionNumber", stored.Dataset.GetString(DicomTag.AccessionNumber) ?? string.Empty,
            InstanceReconciler.Prefix(SourceCode, accession) ?? accession);
        var ignored = Reconciled.ToHashSet();
        problems.AddRange(DicomJsonComparer.Compare(DicomJsonWriter.Serialize(stored.Dataset), DicomJsonWriter.Serialize(sent.Dataset), ignored)
            .Select(d => d.Replace("only we have it", "only the destination has it").Replace("only DCMTK has it", "only the source has it").Replace("DCMTK", "source")));

        if (sent.TransferSyntax.IsBigEndian && stored.TransferSyntax == DicomTransferSyntax.ExplicitVRLittleEndian && problems.Count == 0)
        {
            return new Outcome(file, Fate.ImportedConverted, "explicit VR little endian, every value equal");
        }

        if (stored.TransferSyntax.Uid != sent.TransferSyntax.Uid)
        {
            var refuses = await DestinationRefusesAsync(destination, file);
            return new Outcome(file, Fate.ImportedTranscoded,
                $"arrived in {stored.TransferSyntax.Name} ({(refuses ? "NVH_PACS refuses the original syntax" : "NVH_PACS takes the original syntax")}); {problems.Count} difference(s){Differences(problems)}",
                refuses);
        }

        return problems.Count == 0 ? new Outcome(file, Fate.ImportedIntact, string.Empty) : new Outcome(file, Fate.ImportedAltered, $"{problems.Count} difference(s){Differences(problems)}");

        void Expect(string what, string? actual, string? wanted)
        {
            if (actual != wanted)
            {
                problems.Add($"{what} '{actual}', expected '{wanted}'");
            }
        }
    }

    private static string Differences(List<string> problems) =>
        problems.Count == 0 ? string.Empty : ": " + string.Join("; ", problems.Take(6)) + (problems.Count > 6 ? "; ..." : string.Empty);

    /// <summary>
    /// Whether NVH's PACS refuses the instance's SOP class in its own syntax: storescu proposes just that (the destination
    /// already holds the instance and keeps its copy).
    /// </summary>
    private static async Task<bool> DestinationRefusesAsync(OrthancPeer destination, CorpusFile file)
    {
        var (_, output) = await DcmtkTools.RunAsync("storescu", ["-R", "-aet", "PROBE", "-aec", destination.AeTitle, "127.0.0.1", destination.DicomPort.ToString(System.Globalization.CultureInfo.InvariantCulture), file.CopyPath], Ct);
        return output.Contains("No presentation context", StringComparison.OrdinalIgnoreCase) || output.Contains("No Acceptable Presentation Contexts", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether DCMTK's getscu, preferring the instance's own transfer syntax, receives nothing of it from the source.</summary>
    private static async Task<bool> SourceCannotSendAsync(OrthancPeer source, CorpusFile file, string sourceId, TempDirectory files)
    {
        var instance = await source.GetJsonAsync($"instances/{sourceId}", Ct);
        var series = await source.GetJsonAsync($"series/{instance.GetProperty("ParentSeries").GetString()}", Ct);
        var seriesUid = series.GetProperty("MainDicomTags").GetProperty("SeriesInstanceUID").GetString();
        var folder = files.Combine("probe-" + sourceId);
        Directory.CreateDirectory(folder);
        string[] prefer = file.TransferSyntaxUid switch
        {
            "1.2.840.10008.1.2.5" => ["+xr"],
            "1.2.840.10008.1.2.4.80" => ["+xt"],
            "1.2.840.10008.1.2.4.90" => ["+xv"],
            "1.2.840.10008.1.2.4.91" => ["+xw"],
            "1.2.840.10008.1.2.4.70" or "1.2.840.10008.1.2.4.57" => ["+xs"],
            "1.2.840.10008.1.2.4.50" => ["+xy"],
            "1.2.840.10008.1.2.4.51" => ["+xx"],
            "1.2.840.10008.1.2.1.99" => ["+xd"],
            "1.2.840.10008.1.2.2" => ["+xb"],
            _ => [],
        };
        await DcmtkTools.RunAsync("getscu", [.. prefer, "-aet", "PROBE", "-aec", source.AeTitle, "127.0.0.1", source.DicomPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-k", "QueryRetrieveLevel=IMAGE", "-k", $"StudyInstanceUID={file.StudyUid}", "-k", $"SeriesInstanceUID={seriesUid}", "-k", $"SOPInstanceUID={file.SopInstanceUid}",
            "-od", folder], Ct);
        return !Directory.EnumerateFiles(folder).Any();
    }

    private static async Task<Dictionary<string, string>> OrthancIdsAsync(OrthancPeer orthanc)
    {
        var instances = await orthanc.GetJsonAsync("instances?expand", Ct);
        return instances.EnumerateArray().ToDictionary(
            i => i.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString()!,
            i => i.GetProperty("ID").GetString()!);
    }

    private static string Report(string variant, string number, CorpusPreparation corpus, List<(string Name, string Reason)> refused, List<Outcome> outcomes,
        RequestEnd end, RetrievalJob? job, LogCapture log, OrthancPeer source, OrthancPeer destination, (TimeSpan Prepare, TimeSpan Retrieve, TimeSpan Check) timings)
    {
        var text = new StringBuilder();
        text.AppendLine($"Corpus retrieval by {variant}, request {number}: {end.Request.Status}{(end.Hung ? $" and STILL RUNNING after {Bound.TotalMinutes} min (hung; cancelled)" : string.Empty)}");
        text.AppendLine($"Timings: prepare {timings.Prepare.TotalSeconds:0.0} s, retrieve {timings.Retrieve.TotalSeconds:0.0} s, check {timings.Check.TotalSeconds:0.0} s");
        text.AppendLine($"Tally of {outcomes.Count} instance(s) at the source: " +
            string.Join(", ", Enum.GetValues<Fate>().Select(f => $"{outcomes.Count(o => o.Fate == f)} {f}")));
        text.AppendLine($"Job: {job?.State} after {job?.Attempts} failed attempt(s); last error: {job?.LastError ?? "(none)"}");
        foreach (var outcome in outcomes)
        {
            var syntax = DicomTransferSyntax.Lookup(outcome.File.TransferSyntaxUid).Name;
            var sopClass = DicomUid.Find(outcome.File.SopClassUid)?.Name ?? outcome.File.SopClassUid;
            text.AppendLine($"  {outcome.Fate,-18} {outcome.File.Name} | {syntax} | {sopClass}{(outcome.Detail.Length > 0 ? " | " + outcome.Detail : string.Empty)}");
        }

        text.AppendLine($"Left out before the upload ({corpus.Skipped.Count}): " + string.Join("; ", corpus.Skipped.Select(s => $"{s.Name}: {s.Reason}")));
        text.AppendLine($"Refused by the source Orthanc ({refused.Count}): " + string.Join("; ", refused.Select(r => $"{r.Name}: {r.Reason}")));
        text.AppendLine("Request events:");
        foreach (var e in end.Request.Events.OrderBy(e => e.At))
        {
            text.AppendLine($"  {e.At:HH:mm:ss.fff} {e.Kind}: {e.Text}");
        }

        text.AppendLine("Portal log (warnings and errors, each distinct message once):");
        foreach (var same in log.Entries.GroupBy(e => Digits.Replace(string.Join(" ", e.Split('\n').Take(2)), "#")).Take(20))
        {
            var entry = same.First();
            text.AppendLine($"  ({same.Count()}x) " + (entry.Length <= 4000 ? entry : entry[..4000] + " ..."));
        }

        foreach (var (name, peer) in new[] { ("SBR_PACS", source), ("NVH_PACS", destination) })
        {
            var errors = peer.Output.Split('\n').Where(l => l.StartsWith('E') || (l.StartsWith('W') && !StartUpNotice.IsMatch(l))).Distinct().Take(30).ToList();
            text.AppendLine($"{name} (Orthanc) errors and warnings ({errors.Count}):");
            errors.ForEach(l => text.AppendLine("  " + l.TrimEnd()));
        }

        return text.ToString();
    }
}
