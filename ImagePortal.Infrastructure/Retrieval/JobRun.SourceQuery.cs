using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>What the source holds: the approved studies, under whom, and their instances (Study Root C-FIND, PS3.4 C.6.2, or the same asked by QIDO-RS: <see cref="ISourceQuery"/>).</summary>
internal sealed partial class JobRun
{
    /// <summary>
    /// An approved study as the source holds it: the SOP classes it says the study has (empty when it does not say), and
    /// how many instances it says the study has (null when it does not say).
    /// </summary>
    private sealed record FoundStudy(string StudyUid, string[] SopClasses, int? Instances);

    /// <summary>
    /// PS3.4 C.6.2: Study Root C-FIND at STUDY level for every approved study, by its UID alone, so that every
    /// patient the source holds it under answers: the study is retrieved only when that is exactly one patient, the
    /// one it was approved for (every received instance is then checked against that patient). The answer also
    /// gives the number of instances (progress until they are listed) and the SOP classes (the storage contexts to
    /// propose; optional return keys, PS3.4 C.6.2.1.2).
    /// </summary>
    private async Task<List<FoundStudy>> FindStudiesAsync(DicomNode node, ISourceQuery query, CancellationToken cancellationToken)
    {
        var found = new List<FoundStudy>();
        foreach (var tally in _tallies.Values)
        {
            var keys = Keys("STUDY", tally.StudyUid);
            keys.SetString(DicomTag.PatientID, string.Empty);
            keys.SetString(DicomTag.IssuerOfPatientID, string.Empty);
            keys.SetString(DicomTag.NumberOfStudyRelatedInstances, string.Empty);
            keys.SetString(DicomTag.SOPClassesInStudy, string.Empty);
            var answers = await query.FindAsync(keys, cancellationToken);
            var approved = _request.Studies.FirstOrDefault(s => s.StudyInstanceUid == tally.StudyUid)?.SourcePatient;
            var (holder, problem) = PatientMatch.HolderOf(
                PacsGateway.Describe(node), tally.StudyUid, answers.Select(a => (a.GetString(DicomTag.PatientID), a.GetString(DicomTag.IssuerOfPatientID))), approved);
            if (holder is null)
            {
                tally.Expected = 0;
                _missingStudies += answers.Count == 0 ? 1 : 0;
                Fail(tally.StudyUid, tally.StudyUid, problem!);
                continue;
            }

            _approvedPatients[tally.StudyUid] = holder;
            var answer = answers[0];
            var count = PacsGateway.SafeInteger(answer, DicomTag.NumberOfStudyRelatedInstances);
            if (count is { } instances)
            {
                tally.Expected = instances;
            }

            found.Add(new FoundStudy(tally.StudyUid, [.. answer.GetStrings(DicomTag.SOPClassesInStudy).Where(u => DicomUid.IsValid(u)).Distinct(StringComparer.Ordinal)], count));
        }

        return found;
    }

    /// <summary>PS3.4 C.6.2: SERIES and IMAGE level C-FIND: every instance of the found studies (the expected count becomes exact).</summary>
    private async Task<List<ExpectedInstance>> FindInstancesAsync(DicomNode node, ISourceQuery query, List<FoundStudy> studies, CancellationToken cancellationToken)
    {
        var expected = new List<ExpectedInstance>();
        foreach (var study in studies)
        {
            var seriesKeys = Keys("SERIES", study.StudyUid);
            seriesKeys.SetString(DicomTag.SeriesInstanceUID, string.Empty);
            var count = 0;
            foreach (var series in await query.FindAsync(seriesKeys, cancellationToken))
            {
                // Values from the source are hostile until checked: a series whose UID cannot be a key is not listed
                // (its instances still come with the study and are checked one by one when they arrive).
                var seriesUid = series.GetString(DicomTag.SeriesInstanceUID);
                if (seriesUid is null || !DicomUid.IsValid(seriesUid))
                {
                    continue;
                }

                var imageKeys = Keys("IMAGE", study.StudyUid);
                imageKeys.SetString(DicomTag.SeriesInstanceUID, seriesUid);
                imageKeys.SetString(DicomTag.SOPInstanceUID, string.Empty);
                imageKeys.SetString(DicomTag.SOPClassUID, string.Empty);
                foreach (var image in await query.FindAsync(imageKeys, cancellationToken))
                {
                    var sop = image.GetString(DicomTag.SOPInstanceUID);
                    var sopClass = image.GetString(DicomTag.SOPClassUID);
                    if (string.IsNullOrEmpty(sop))
                    {
                        continue;
                    }

                    count++;
                    if (!DicomUid.IsValid(sop) || sopClass is null || !DicomUid.IsValid(sopClass))
                    {
                        // Never asked for by this UID, nor counted as missing: failed here, with what the administrator can act on.
                        var shown = Printable(DicomUid.IsValid(sop) ? sopClass : sop);
                        Fail(Printable(sop), study.StudyUid,
                            $"{PacsGateway.Describe(node)} lists an instance with an invalid {(DicomUid.IsValid(sop) ? "SOP Class" : "SOP Instance")} UID '{shown}': skipped");
                        continue;
                    }

                    expected.Add(new ExpectedInstance(study.StudyUid, seriesUid, sop, sopClass));
                }
            }

            _tallies[study.StudyUid].Expected = count;
        }

        return expected;
    }

    /// <summary>
    /// Whether the transfer brought <paramref name="study"/> whole by the source's own count, so that listing its instances
    /// could add nothing: the source said how many instances the study has (NumberOfStudyRelatedInstances, PS3.4
    /// C.6.2.1.2), exactly that many distinct instances of it were imported (each one checked against the approved
    /// patient and study on arrival), and nothing went wrong on the way: no instance of the job failed or was quarantined,
    /// the source reported no failed sub-operation and ended its retrieve with success, and the spool had room. Anything
    /// else (fewer or more than counted, no count) lists the study and asks again for what is missing.
    /// </summary>
    private bool ConfirmedByCount(FoundStudy study) =>
        study.Instances is > 0 and var count && _tallies.TryGetValue(study.StudyUid, out var tally) &&
        Volatile.Read(ref tally.Done) == count && Volatile.Read(ref tally.Failed) == 0 &&
        Volatile.Read(ref _quarantined) == 0 && _failures.IsEmpty && _failedAtSource.IsEmpty && _lastRetrieveProblem.Length == 0 && !_spoolFull;

    /// <summary>
    /// Lists the instances of <paramref name="studies"/> on a new query association (the first one was released before the
    /// transfer: an idle association would meet the source's idle timeout during a long transfer).
    /// </summary>
    private async Task<List<ExpectedInstance>> ListAgainAsync(DicomNode node, List<FoundStudy> studies, CancellationToken cancellationToken)
    {
        await using var query = await OpenQueryAsync(node, cancellationToken);
        var expected = await FindInstancesAsync(node, query, studies, cancellationToken);
        await query.ReleaseAsync(cancellationToken);
        return expected;
    }

    /// <summary>Whether any instance of these studies is in the ledger for the destination (a resumed or repeated import).</summary>
    private async Task<bool> AnyImportedAsync(List<FoundStudy> studies, CancellationToken cancellationToken)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        return await JobReads.AnyImportedAsync(db, _destination.Id, [.. studies.Select(s => s.StudyUid)], cancellationToken);
    }

    private static DicomDataset Keys(string level, string studyUid)
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, level);
        keys.SetString(DicomTag.StudyInstanceUID, studyUid);
        return keys;
    }
}
