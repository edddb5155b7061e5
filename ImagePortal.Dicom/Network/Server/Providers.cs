using System.Net;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>Who is asking: the association a request arrived on.</summary>
public sealed record DicomRequestContext(string CallingAeTitle, string CalledAeTitle, EndPoint? RemoteEndPoint);

/// <summary>
/// A C-FIND, C-MOVE or C-GET request as a provider sees it. <see cref="Identifier"/> is the encoded data
/// set in <see cref="TransferSyntaxUid"/>, from the peer: hostile until parsed and checked.
/// </summary>
public sealed record QueryRequest(DicomRequestContext Caller, string SopClassUid, string TransferSyntaxUid, byte[] Identifier)
{
    public DicomTransferSyntax TransferSyntax => DicomTransferSyntax.Lookup(TransferSyntaxUid);

    /// <summary>Parses the identifier; malformed input ends in <see cref="DicomFormatException"/> (answered as a failure).</summary>
    public DicomDataset ParseIdentifier() => DimseDataSet.Decode(Identifier, TransferSyntax) ?? new DicomDataset();

    /// <summary>Encodes a match for a pending C-FIND response, in the request's transfer syntax.</summary>
    public byte[] Encode(DicomDataset match) => DimseDataSet.Encode(match, TransferSyntax);
}

/// <summary>PS3.7 9.1.5: answers C-ECHO. Without one, the host answers success.</summary>
public interface IDicomEchoProvider
{
    Task<DimseStatus> EchoAsync(DicomRequestContext caller, CancellationToken cancellationToken);
}

/// <summary>
/// PS3.4 C.4.1: answers C-FIND. Each yielded identifier is one pending response (FF00), encoded in the
/// request's transfer syntax; the host sends the final success, or cancel (FE00) when the requestor
/// sent C-CANCEL (the token is cancelled), or failure C000 with the exception's message when it throws.
/// </summary>
public interface IDicomFindProvider
{
    IAsyncEnumerable<byte[]> FindAsync(QueryRequest request, CancellationToken cancellationToken);
}

/// <summary>One instance a retrieve will send, opened only when its sub-operation runs.</summary>
public sealed record RetrieveInstance(string SopClassUid, string SopInstanceUid, string TransferSyntaxUid, Func<CancellationToken, Task<Stream>> OpenDataSet);

/// <summary>
/// PS3.4 C.4.3: resolves a C-GET identifier to the instances to send back on the same association.
/// The whole list is resolved first, because every pending response reports how many remain.
/// </summary>
public interface IDicomGetProvider
{
    Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken);
}

/// <summary>A move destination the SCP knows in advance (PS3.4 C.4.2.1: the SCP must know where an AE title lives).</summary>
public sealed record DicomDestination(string AeTitle, string Host, int Port);

/// <summary>PS3.4 C.4.2: resolves a C-MOVE identifier and its destination AE title.</summary>
public interface IDicomMoveProvider
{
    Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken);

    /// <summary>The destination for an AE title, or null when unknown (answered with A801).</summary>
    DicomDestination? ResolveDestination(string aeTitle);
}

/// <summary>
/// What a calling AE may do; each calling AE title is given its own, rather than every peer the same.
/// </summary>
[Flags]
public enum DicomPermissions
{
    None = 0,
    Echo = 1,
    Store = 2,
    Find = 4,
    Move = 8,
    Get = 16,
    All = Echo | Store | Find | Move | Get,
}
