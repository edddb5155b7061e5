
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
