using System.Net;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Dicom.Network.Association;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>Settings of the SCP host.</summary>
public sealed class DicomServerOptions
{
    public string AeTitle { get; set; } = "IMAGEPORTAL";

    /// <summary>Loopback unless configured otherwise: exposing a DICOM port is a deliberate decision.</summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>0 lets the OS pick; <see cref="DicomServer.Port"/> tells which.</summary>
    public int Port { get; set; } = 11112;

    /// <summary>Reject associations whose called AE title is not <see cref="AeTitle"/> (PS3.8 9.3.4 reason 7).</summary>
    public bool CheckCalledAeTitle { get; set; } = true;

    /// <summary>
    /// Calling AE titles allowed in, with what each may do. Null admits any calling AE with
    /// <see cref="DefaultPermissions"/>; others are rejected with reason 3 (calling AE not recognized).
    /// </summary>
    public IReadOnlyDictionary<string, DicomPermissions>? AllowedCallingAeTitles { get; set; }

    public DicomPermissions DefaultPermissions { get; set; } = DicomPermissions.All;

    /// <summary>Associations served at once; excess ones are rejected (transient, local limit exceeded), running ones unharmed.</summary>
    public int MaxAssociations { get; set; } = 16;

    /// <summary>
    /// Connections open at once from one remote address, in whatever state (waiting for the A-ASSOCIATE-RQ, established,
    /// closing after a rejection). The excess is closed at once, before anything is read, and takes no association slot:
    /// a few silent sockets from one host cannot starve the SCP.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 4;

    public uint MaxPduLength { get; set; } = AssociationOptions.DefaultMaxPduLength;

    /// <summary>
    /// PS3.8 9.1.5 ARTIM: how long a new connection may take to send its A-ASSOCIATE-RQ (and to finish a TLS handshake).
    /// Shorter than DCMTK's 30 s: a real SCU sends its request at once, and a silent socket should not linger.
    /// </summary>
    public TimeSpan AssociationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// PS3.8 9.2 Sta13: after sending A-ASSOCIATE-RJ, how long we wait for the peer to close before closing ourselves
    /// (a short ARTIM; peers close as soon as they read the rejection).
    /// </summary>
    public TimeSpan RejectLingerTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An association silent for this long is aborted.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Told of every refused association or connection (for a security audit trail). Called on the network path: it
    /// must return at once (queue slow work) and should not throw; an exception is logged and ignored.
    /// </summary>
    public Action<AssociationRefusal>? OnAssociationRefused { get; set; }

    /// <summary>Timeouts of the associations this SCP opens for C-MOVE sub-operations.</summary>
    public AssociationOptions MoveAssociation { get; set; } = new();

    /// <summary>PS3.15 B.1: when set, every connection must first complete a TLS 1.2+ handshake.</summary>
    public X509Certificate2? TlsCertificate { get; set; }

    /// <summary>
    /// With <see cref="TlsCertificate"/>: the handshake fails unless the peer sends a certificate that chains to
    /// <see cref="ClientCertificateAuthorities"/> (PS3.15 B.1: both ends authenticate). Each such failure is reported.
    /// </summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>
    /// The authorities a client certificate must chain to (a pinned CA; revocation is not checked). Null: the system's
    /// trusted roots, with the platform's revocation default.
    /// </summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; set; }

    /// <summary>
    /// Checks a caller the allow-list admitted (where it came from, over which transport) before a slot is taken; a
    /// <see cref="CallerRefusal"/> is answered with A-ASSOCIATE-RJ reason 3 and reported. Called on the network path: it
    /// must answer at once (no name resolution), and an exception refuses the caller.
    /// </summary>
    public Func<AssociationCaller, CallerRefusal?>? VerifyCaller { get; set; }

    /// <summary>Transfer syntaxes for Verification and query/retrieve contexts, in our order of preference.</summary>
    public IReadOnlyList<string> TransferSyntaxes { get; set; } =
        [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    /// <summary>
    /// Transfer syntaxes accepted for storage contexts (C-STORE, and C-GET sub-operations), in our order of preference.
    /// Null, the default: any syntax the peer proposes, since a storage SCP writes the data set as it comes. Set it for
    /// an archive that must keep (or can only read) certain encodings.
    /// </summary>
    public IReadOnlyList<string>? StorageTransferSyntaxes { get; set; }

    /// <summary>
    /// Storage SOP classes accepted besides the composite object storage family
    /// (<c>1.2.840.10008.5.1.4.1.1.*</c>, PS3.4 B.5), which is always accepted for C-STORE.
    /// </summary>
    public IReadOnlyCollection<string> ExtraStorageSopClasses { get; set; } = [];
}
