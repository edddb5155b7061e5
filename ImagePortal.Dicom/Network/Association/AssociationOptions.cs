using System.Net;
using System.Net.Security;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>Settings of one association as requestor (SCU).</summary>
public sealed class AssociationOptions
{
    /// <summary>256 KiB: large enough that a PDU costs little per byte, small enough to buffer per association.</summary>
    public const uint DefaultMaxPduLength = 256 * 1024;

    public string CallingAeTitle { get; set; } = "IMAGEPORTAL";

    public string CalledAeTitle { get; set; } = "ANY-SCP";

    /// <summary>What we announce (PS3.8 D.1): the largest P-DATA-TF we accept. Never 0 (we always bound what we buffer).</summary>
    public uint MaxPduLength { get; set; } = DefaultMaxPduLength;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>PS3.8 9.1.5 ARTIM: how long to wait for A-ASSOCIATE-AC/RJ and A-RELEASE-RP.</summary>
    public TimeSpan AssociationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for each DIMSE response (and for a peer to take our data).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The local address to connect from (a multi-homed host whose peers expect it on one interface); null lets the
    /// system choose. Its address family decides how the peer's host name is resolved.
    /// </summary>
    public IPAddress? LocalAddress { get; set; }

    /// <summary>PS3.15 B.1 secure transport: when set, the connection is wrapped in TLS 1.2 or later.</summary>
    public SslClientAuthenticationOptions? Tls { get; set; }
}
