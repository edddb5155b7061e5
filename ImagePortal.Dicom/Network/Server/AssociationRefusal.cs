using System.Net;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>Why the SCP turned a peer away.</summary>
public enum AssociationRefusalReason
{
    /// <summary>A-ASSOCIATE-RJ permanent, reason 3 (PS3.8 9.3.4): the calling AE title is not allowed in.</summary>
    CallingAeTitleNotRecognized,

    /// <summary>A-ASSOCIATE-RJ permanent, reason 7: the called AE title is not ours.</summary>
    CalledAeTitleNotRecognized,

    /// <summary>A-ASSOCIATE-RJ transient, local limit exceeded: every association slot is taken.</summary>
    TooManyAssociations,

    /// <summary>Connection closed before anything was read: its address already has its share of connections open.</summary>
    TooManyConnectionsFromAddress,

    /// <summary>Connection closed before anything was read: the SCP has as many connections open as it bounds.</summary>
    TooManyConnections,

    /// <summary>A-ASSOCIATE-RJ permanent, reason 3: a known calling AE title, but from an address that is not its host's.</summary>
    CallingAddressNotExpected,

    /// <summary>A-ASSOCIATE-RJ permanent, reason 3: the calling AE must use TLS and came over plain TCP.</summary>
    TlsRequired,

    /// <summary>Connection closed in the TLS handshake: the peer sent no client certificate.</summary>
    ClientCertificateMissing,

    /// <summary>Connection closed in the TLS handshake: the client certificate does not chain to the trusted authorities.</summary>
    ClientCertificateUntrusted,

    /// <summary>Connection closed in the TLS handshake for another reason (not TLS at all, no common protocol or cipher).</summary>
    TlsHandshakeFailed,
}

/// <summary>A refused association or connection, as <see cref="DicomServerOptions.OnAssociationRefused"/> reports it.</summary>
/// <param name="CallingAeTitle">As the peer sent it: hostile text (control characters included), null when refused before any A-ASSOCIATE-RQ.</param>
/// <param name="CalledAeTitle">As the peer sent it, likewise.</param>
/// <param name="Detail">
/// What the check expected, in the SCP's words (the addresses a calling AE may come from, why a certificate is not
/// trusted); it may quote what the peer sent (a certificate's subject), so treat it as hostile text too.
/// </param>
public sealed record AssociationRefusal(
    AssociationRefusalReason Reason, IPAddress RemoteAddress, string? CallingAeTitle, string? CalledAeTitle, string? Detail = null);
