using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.DicomWeb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Pacs;

public interface IPacsGateway
{
    Task<TimeSpan> EchoAsync(DicomNode node, CancellationToken cancellationToken);

    Task<StudySearch> FindStudiesAsync(DicomNode node, StudyQuery query, CancellationToken cancellationToken);
}

/// <summary>
/// Talks to facilities' PACS through <c>ImagePortal.Dicom</c>: C-ECHO and Study Root C-FIND at study level; to a DICOMweb
/// node, the same study-level question by QIDO-RS (<see cref="QidoSearch"/>), answered as the same matches.
/// </summary>
public sealed class PacsGateway(
    IOptionsMonitor<PortalDicomOptions> options, IPortalDicomSettings portal, ILoggerFactory loggers, DicomNetworkMetrics metrics, DicomWebNodes webNodes)
    : IPacsGateway
{
    private static readonly string[] Syntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    public async Task<TimeSpan> EchoAsync(DicomNode node, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (node.IsDicomWeb)
        {
            // A DICOMweb node has no C-ECHO: the smallest QIDO-RS search shows it answers, and accepts the credentials.
            await SearchWebAsync(node, new StudyQuery(null, null, null, null, null, [], null), cap: 1, cancellationToken);
            return Stopwatch.GetElapsedTime(started);
        }

        var status = await CallAsync(node, client => client.EchoAsync(cancellationToken), cancellationToken);
        return status.IsSuccessOrWarning
            ? Stopwatch.GetElapsedTime(started)
            : throw new PacsUnavailableException($"{Describe(node)} answered C-ECHO with status {status}.");
    }

    public async Task<StudySearch> FindStudiesAsync(DicomNode node, StudyQuery query, CancellationToken cancellationToken)
    {
        var cap = Math.Max(1, options.CurrentValue.MaxStudyMatches);
        if (node.IsDicomWeb)
        {
            return await SearchWebAsync(node, query, cap, cancellationToken);
        }

        return await CallAsync(node, async client =>
        {
            await using var association = await client.OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootFind, Syntaxes)], cancellationToken);
            var matches = new List<StudyMatch>();
            var truncated = false;
            await foreach (var response in association.FindAsync(DicomNetworkUids.StudyRootFind, Identifier(query), cancellationToken))
            {
                if (response.Status.IsPending && response.Identifier is { } identifier)
                {
                    if (matches.Count == cap)
                    {
                        truncated = true;
                        break;
                    }

                    matches.Add(ToMatch(identifier));
                }
                else if (!response.Status.IsSuccessOrWarning && !response.Status.IsPending)
                {
                    throw new PacsUnavailableException(
                        $"{Describe(node)} refused the query: status {response.Status}{(response.ErrorComment is { } c ? $" ({c})" : "")}.");
                }
            }

            if (truncated)
            {
                // Leaving the enumeration early cancels the C-FIND; the association is not reused.
                await association.AbortAsync();
            }
            else
            {
                await association.ReleaseAsync(cancellationToken);
            }

            return new StudySearch(matches, truncated);
        }, cancellationToken);
    }

    /// <summary>The C-FIND identifier of <paramref name="query"/> asked by QIDO-RS: one match more than the cap tells that there are more.</summary>
    private async Task<StudySearch> SearchWebAsync(DicomNode node, StudyQuery query, int cap, CancellationToken cancellationToken)
    {
        var matches = new List<StudyMatch>();
        try
        {
            await foreach (var identifier in QidoSearch.FindAsync(webNodes.ClientFor(node), Identifier(query), cap + 1, cancellationToken))
            {
                if (matches.Count == cap)
                {
                    return new StudySearch(matches, Truncated: true);
                }

                matches.Add(ToMatch(identifier));
            }
        }
        catch (Exception error) when (Readable(node, error) is { } readable)
        {
            throw readable;
        }

        return new StudySearch(matches, Truncated: false);
    }

    internal static DicomDataset Identifier(StudyQuery query)
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        keys.SetString(DicomTag.QueryRetrieveLevel, "STUDY");
        keys.SetString(DicomTag.StudyInstanceUID, string.Join('\\', query.StudyInstanceUids ?? []));
        keys.SetString(DicomTag.PatientID, query.PatientId ?? string.Empty);
        keys.SetString(DicomTag.IssuerOfPatientID, string.Empty);
        keys.SetString(DicomTag.PatientName, query.PatientName is { Length: > 0 } name ? name : string.Empty);
        keys.SetString(DicomTag.PatientBirthDate, query.BirthDates?.ToDicom() ?? string.Empty);
        keys.SetString(DicomTag.PatientSex, string.Empty);
        keys.SetString(DicomTag.StudyDate, DateRange(query.From, query.To));
        keys.SetString(DicomTag.StudyTime, string.Empty);
        keys.SetString(DicomTag.AccessionNumber, query.AccessionNumber ?? string.Empty);
        keys.SetString(DicomTag.StudyDescription, string.Empty);
        keys.SetString(DicomTag.ModalitiesInStudy, string.Join('\\', query.Modalities));
        keys.SetString(DicomTag.NumberOfStudyRelatedInstances, string.Empty);
        return keys;
    }

    /// <summary>PS3.4 C.2.2.2.5 range matching: <c>from-to</c>, <c>from-</c>, <c>-to</c>, or empty for any date.</summary>
    public static string DateRange(DateOnly? from, DateOnly? to) => (from, to) switch
    {
        (null, null) => string.Empty,
        _ => $"{from?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{to?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}",
    };

    private static StudyMatch ToMatch(DicomDataset identifier) => new(
        identifier.GetUid(DicomTag.StudyInstanceUID) ?? string.Empty,
        SafeDate(identifier, DicomTag.StudyDate),
        identifier.GetString(DicomTag.PatientName),
        identifier.GetString(DicomTag.PatientID),
        SafeDate(identifier, DicomTag.PatientBirthDate),
        string.Join('\\', identifier.GetStrings(DicomTag.ModalitiesInStudy) ?? []),
        identifier.GetString(DicomTag.StudyDescription),
        identifier.GetString(DicomTag.AccessionNumber),
        SafeInteger(identifier, DicomTag.NumberOfStudyRelatedInstances),
        identifier.GetString(DicomTag.PatientSex),
        identifier.GetString(DicomTag.IssuerOfPatientID));

    // A PACS's answer is hostile until checked: one malformed date must not lose the whole look-up.
    private static DateOnly? SafeDate(DicomDataset identifier, DicomTag tag)
    {
        try
        {
            return identifier.GetDate(tag);
        }
        catch (DicomFormatException)
        {
            return null;
        }
    }

    /// <summary>An IS value, or null when it is absent or malformed (a peer's optional key is no reason to fail).</summary>
    internal static int? SafeInteger(DicomDataset identifier, DicomTag tag)
    {
        try
        {
            return identifier.GetIntegerString(tag);
        }
        catch (DicomFormatException)
        {
            return null;
        }
    }

    private async Task<T> CallAsync<T>(DicomNode node, Func<DicomClient, Task<T>> call, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var identity = await portal.GetAsync(cancellationToken);
        var client = new DicomClient(node.Host, node.Port, Retrieval.DicomTlsFiles.AssociationFor(node, identity, settings), loggers, metrics);
        try
        {
            return await call(client);
        }
        catch (Exception error) when (Readable(node, error) is { } readable)
        {
            throw readable;
        }
    }

    /// <summary>A DICOM or network failure towards <paramref name="node"/> in words for the user; null for anything else.</summary>
    public static PacsUnavailableException? Readable(DicomNode node, Exception error) => error switch
    {
        PacsUnavailableException already => already,
        DicomAssociationRejectedException rejected => new PacsUnavailableException(
            $"{Describe(node)} refused the association: {rejected.Message.TrimEnd('.').Replace("Association rejected: ", "", StringComparison.Ordinal)}.", rejected),
        DicomAssociationTimeoutException timeout => new PacsUnavailableException($"{Describe(node)} did not answer in time ({timeout.Message}).", timeout),
        DicomAssociationException aborted => new PacsUnavailableException($"{Describe(node)} ended the association: {aborted.Message}", aborted),
        DicomProtocolException protocol => new PacsUnavailableException($"{Describe(node)} sent data that is not valid DICOM: {protocol.Message}", protocol),
        System.Security.Authentication.AuthenticationException tls => new PacsUnavailableException($"{Describe(node)}: the TLS handshake failed ({tls.Message}).", tls),
        SocketException socket => new PacsUnavailableException($"{Describe(node)} cannot be reached: {NetworkErrors.Describe(socket)}.", socket),
        DicomWebException web => new PacsUnavailableException(web.Message, web),
        IOException { InnerException: DicomWebException web } => new PacsUnavailableException(web.Message, web),
        IOException io => new PacsUnavailableException($"{Describe(node)}: the connection broke ({io.Message}).", io),
        _ => null,
    };

    public static string Describe(DicomNode node) => node.IsDicomWeb ? $"DICOMweb node {node.Name} at {node.Address}" : $"PACS {node.AeTitleValue} at {node.Host}:{node.Port}";
}
