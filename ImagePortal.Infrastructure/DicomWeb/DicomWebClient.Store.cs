using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// STOW-RS (PS3.18 §10.5): instances sent in batches of <see cref="DicomWebOptions.StowBatchSize"/>, each batch one
/// streamed multipart request; the answer's Referenced SOP Sequence (0008,1199) and Failed SOP Sequence (0008,1198)
/// give each instance its outcome, with the Failure Reason (0008,1197) or Warning Reason (0008,1196).
/// </summary>
public sealed partial class DicomWebClient
{
    private static readonly DicomTag FailedSopSequence = new(0x0008, 0x1198);
    private static readonly DicomTag ReferencedSopSequence = new(0x0008, 0x1199);
    private static readonly DicomTag FailureReason = new(0x0008, 0x1197);
    private static readonly DicomTag WarningReason = new(0x0008, 0x1196);
    private static readonly DicomTag ReferencedSopInstanceUid = new(0x0008, 0x1155);

    /// <summary>
    /// Stores <paramref name="instances"/> into the node (<c>POST {root}/studies</c>) and yields each instance's outcome,
    /// batch by batch, as soon as its batch is answered: a batch that fails as a whole throws, and the outcomes already
    /// yielded stand (so the caller's ledger records them before the error).
    /// </summary>
    /// <param name="studyInstanceUid">
    /// When given, the request goes to <c>{root}/studies/{uid}</c> and the node refuses any instance of another study.
    /// </param>
    public async IAsyncEnumerable<StowOutcome> StoreAsync(IReadOnlyList<StowInstance> instances, string? studyInstanceUid = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var resource = studyInstanceUid is null ? "studies" : $"studies/{Uid(studyInstanceUid)}";
        foreach (var batch in instances.Chunk(Math.Max(1, node.StowBatchSize)))
        {
            foreach (var outcome in await StoreBatchAsync(resource, batch, cancellationToken))
            {
                yield return outcome;
            }
        }
    }

    private async Task<IReadOnlyList<StowOutcome>> StoreBatchAsync(string resource, IReadOnlyList<StowInstance> batch, CancellationToken cancellationToken)
    {
        // 409: some or all instances failed (PS3.18 §10.5.3); the answer says which, as a 200 or 202 does. Orthanc also
        // answers 400 with a STOW answer when one part is not DICOM, after storing the others: read it rather than lose them.
        using var response = await SendAsync(HttpMethod.Post, resource, DicomJson, new StowContent(batch), cancellationToken, HttpStatusCode.Conflict, HttpStatusCode.BadRequest);
        var refused = !response.IsSuccessStatusCode;
        DicomDataset? answer;
        try
        {
            answer = await ReadStowAnswerAsync(response, resource, cancellationToken);
        }
        catch (DicomWebException error) when (refused)
        {
            throw new DicomWebException($"{Describe(resource)} answered {(int)response.StatusCode} {response.ReasonPhrase} without a STOW-RS answer saying which instances failed.", response.StatusCode, inner: error);
        }

        if (refused && answer is null)
        {
            throw new DicomWebException($"{Describe(resource)} answered {(int)response.StatusCode} {response.ReasonPhrase} without saying which instances failed.", response.StatusCode);
        }

        var unmentioned = refused
            ? $"the node answered {(int)response.StatusCode} {response.ReasonPhrase} and does not mention this instance"
            : "the node's answer does not mention this instance";
        return Outcomes(batch, answer, unmentioned);
    }

    private async Task<DicomDataset?> ReadStowAnswerAsync(HttpResponseMessage response, string resource, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
        {
            return null;
        }

        if (response.Content.Headers.ContentType is not null)
        {
            // Orthanc's 400 and 409 answers have no Content-Type; their body is still the STOW-RS answer.
            RequireMediaType(response, resource, DicomJson, "application/json");
        }

        await using var body = new LimitedStream(await response.Content.ReadAsStreamAsync(cancellationToken), node.MaxJsonBytes, Describe(resource));
        try
        {
            using var document = await JsonDocument.ParseAsync(body, default, cancellationToken);
            var root = document.RootElement;
            // PS3.18 §10.5.3 answers one data set; some servers wrap it in an array.
            if (root.ValueKind == JsonValueKind.Array)
            {
                return root.GetArrayLength() == 0 ? null : DicomJsonReader.Read(root[0], (_, _, _) => null);
            }

            return DicomJsonReader.Read(root, (_, _, _) => null);
        }
        catch (JsonException error)
        {
            throw new DicomWebException($"{Describe(resource)} answered STOW-RS with something that is not DICOM JSON: {error.Message}", inner: error);
        }
        catch (DicomFormatException error)
        {
            throw new DicomWebException($"{Describe(resource)} answered STOW-RS with something that is not DICOM JSON: {error.Reason}", inner: error);
        }
    }

    private static IReadOnlyList<StowOutcome> Outcomes(IReadOnlyList<StowInstance> batch, DicomDataset? answer, string unmentioned)
    {
        var said = new Dictionary<string, StowOutcome>(StringComparer.Ordinal);
        foreach (var item in answer?.GetSequence(ReferencedSopSequence)?.Items ?? [])
        {
            if (item.GetString(ReferencedSopInstanceUid, 0) is { Length: > 0 } uid)
            {
                var warning = item.GetUInt16(WarningReason) ?? answer!.GetUInt16(WarningReason);
                said[uid] = warning is { } code
                    ? new StowOutcome(uid, StowStatus.StoredWithWarning, code, StowReasons.Describe(code))
                    : new StowOutcome(uid, StowStatus.Stored);
            }
        }

        foreach (var item in answer?.GetSequence(FailedSopSequence)?.Items ?? [])
        {
            if (item.GetString(ReferencedSopInstanceUid, 0) is { Length: > 0 } uid)
            {
                var code = item.GetUInt16(FailureReason);
                said[uid] = new StowOutcome(uid, StowStatus.Failed, code, code is { } c ? StowReasons.Describe(c) : "the node gave no reason");
            }
        }

        return batch
            .Select(i => said.TryGetValue(i.SopInstanceUid, out var outcome)
                ? outcome
                : new StowOutcome(i.SopInstanceUid, StowStatus.Unconfirmed, Reason: unmentioned))
            .ToList();
    }
}
