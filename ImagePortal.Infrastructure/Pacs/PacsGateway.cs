using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Pacs;

/// <summary>The portal's own DICOM identity (<c>Dicom</c> section).</summary>
public sealed class PortalDicomOptions
{
    public const string SectionName = "Dicom";

    /// <summary>The calling AE title the portal uses towards every PACS; the PACS must know it for C-FIND/C-GET/C-MOVE.</summary>
    public string AeTitle { get; set; } = "IMAGEPORTAL";

    /// <summary>Port of the portal's own Storage SCP, the C-MOVE destination (runs in the worker role); 0 lets the OS pick.</summary>
    public int Port { get; set; } = 11110;

    /// <summary>Calling AE titles the Storage SCP admits; empty admits the AE titles of the network's known DICOM nodes.</summary>
    public List<string> AllowedCallingAeTitles { get; set; } = [];

    /// <summary>
    /// Address the Storage SCP listens on: 127.0.0.1 by default, so only this machine reaches it. A remote PACS can
    /// C-MOVE to the portal only once this is 0.0.0.0 (every interface) or the address of one interface.
    /// </summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Whether the Storage SCP admits a node's AE title only from the node's host (each node may override it). On by
    /// default: an AE title is sent in clear and is easily copied; the address it comes from is harder to fake.
    /// </summary>
    public bool CheckCallingAddress { get; set; } = true;

    /// <summary>
    /// Port of the Storage SCP's TLS listener (PS3.15 B.1; 2762 is DICOM's registered port for it), run beside the
    /// plain one once <see cref="TlsCertificatePath"/> is set. Nodes set to TLS are admitted only there, with a client
    /// certificate that chains to <see cref="TlsTrustedCaPath"/>.
    /// </summary>
    public int TlsPort { get; set; } = 2762;

    /// <summary>The TLS listener's certificate: a PFX (with <see cref="TlsCertificatePassword"/>) or a PEM certificate with <see cref="TlsCertificateKeyPath"/>. Empty: no TLS listener.</summary>
    public string TlsCertificatePath { get; set; } = string.Empty;

    /// <summary>The PEM private key of a PEM <see cref="TlsCertificatePath"/>; empty for a PFX.</summary>
    public string TlsCertificateKeyPath { get; set; } = string.Empty;

    public string TlsCertificatePassword { get; set; } = string.Empty;

    /// <summary>
    /// PEM file of the certificate authorities a node's client certificate must chain to (the network's own CA,
    /// pinned: the system's roots then do not count). Empty: the system's trusted roots.
    /// </summary>
    public string TlsTrustedCaPath { get; set; } = string.Empty;

    /// <summary>Connections the Storage SCP keeps open at once from one remote address; the excess is closed at once.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 4;

    /// <summary>PS3.8 9.1.5 ARTIM: how long the Storage SCP waits for the A-ASSOCIATE-RQ of a new connection.</summary>
    public TimeSpan AssociationRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many studies from one look-up; the user is told when there were more.</summary>
    public int MaxStudyMatches { get; set; } = 200;
}

/// <summary>What an approver looks for in their PACS; each value is a matching key as the PACS receives it.</summary>
public sealed record StudyQuery(
    string? PatientId, string? PatientName, DicomDateRange? BirthDates, DateOnly? From, DateOnly? To, IReadOnlyList<string> Modalities, string? AccessionNumber,
    IReadOnlyList<string>? StudyInstanceUids = null);

public sealed record StudyMatch(
    string StudyInstanceUid, DateOnly? StudyDate, string? PatientName, string? PatientId, DateOnly? BirthDate, string Modalities,
    string? Description, string? AccessionNumber, int? Instances, string? PatientSex = null, string? IssuerOfPatientId = null)
{
    /// <summary>The patient this answer names, as the approval records it (the retrieval imports only this patient's instances).</summary>
    public SourcePatient SourcePatient => new(PatientId, IssuerOfPatientId, PatientName, BirthDate);

    /// <summary>Whether the answers hold <paramref name="studyInstanceUid"/> under more than one patient (a merge or a mislabelled study at the source).</summary>
    public static bool IsAmbiguous(IEnumerable<StudyMatch> matches, string studyInstanceUid)
    {
        StudyMatch? first = null;
        foreach (var match in matches.Where(m => m.StudyInstanceUid == studyInstanceUid))
        {
            first ??= match;
            if (!SourcePatient.SameIdentity(first.PatientId, first.IssuerOfPatientId, match.PatientId, match.IssuerOfPatientId))
            {
                return true;
            }
        }

        return false;
    }
}

/// <param name="Truncated">True when the PACS had more matches than the cap; the look-up was cancelled there.</param>
public sealed record StudySearch(IReadOnlyList<StudyMatch> Studies, bool Truncated);

/// <summary>A PACS could not be asked: the message is for the user ("PACS at host:port refused the association: ...").</summary>
public sealed class PacsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public interface IPacsGateway
{
    Task<TimeSpan> EchoAsync(DicomNode node, CancellationToken cancellationToken);

    Task<StudySearch> FindStudiesAsync(DicomNode node, StudyQuery query, CancellationToken cancellationToken);
}

/// <summary>Talks to facilities' PACS through <c>ImagePortal.Dicom</c>: C-ECHO and Study Root C-FIND at study level.</summary>
public sealed class PacsGateway(IOptionsMonitor<PortalDicomOptions> options, IPortalDicomSettings portal, ILoggerFactory loggers) : IPacsGateway
{
    private static readonly string[] Syntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    public async Task<TimeSpan> EchoAsync(DicomNode node, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var status = await CallAsync(node, client => client.EchoAsync(cancellationToken), cancellationToken);
        return status.IsSuccessOrWarning
            ? Stopwatch.GetElapsedTime(started)
            : throw new PacsUnavailableException($"{Describe(node)} answered C-ECHO with status {status}.");
    }

    public async Task<StudySearch> FindStudiesAsync(DicomNode node, StudyQuery query, CancellationToken cancellationToken)
    {
        var cap = Math.Max(1, options.CurrentValue.MaxStudyMatches);
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
        var client = new DicomClient(node.Host, node.Port, Retrieval.DicomTlsFiles.AssociationFor(node, identity, settings), loggers);
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
        IOException io => new PacsUnavailableException($"{Describe(node)}: the connection broke ({io.Message}).", io),
        _ => null,
    };

    public static string Describe(DicomNode node) => $"PACS {node.AeTitleValue} at {node.Host}:{node.Port}";
}
