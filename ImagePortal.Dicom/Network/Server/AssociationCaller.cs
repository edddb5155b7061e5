using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// Who asks for an association, as <see cref="DicomServerOptions.VerifyCaller"/> sees it: the calling AE title from the
/// A-ASSOCIATE-RQ (already on the allow-list), the address the connection came from, and the transport.
/// </summary>
/// <param name="RemoteAddress">An IPv4 peer seen through a dual-stack socket is given as its IPv4 address.</param>
/// <param name="OverTls">The connection completed a TLS handshake first.</param>
/// <param name="ClientCertificate">The peer's certificate, already checked against the trusted authorities; null without one. It belongs to the connection and is disposed with it: read what you need during the check.</param>
public sealed record AssociationCaller(string CallingAeTitle, IPAddress RemoteAddress, bool OverTls, X509Certificate2? ClientCertificate);

/// <summary>Why <see cref="DicomServerOptions.VerifyCaller"/> turned a caller away; answered with A-ASSOCIATE-RJ reason 3.</summary>
/// <param name="Detail">What was expected, for the audit trail (see <see cref="AssociationRefusal.Detail"/>).</param>
public sealed record CallerRefusal(AssociationRefusalReason Reason, string Detail);
