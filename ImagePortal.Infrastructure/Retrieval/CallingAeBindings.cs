using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>One node as the Storage SCP checks its AE title: where it may call from, and whether over TLS only.</summary>
/// <param name="Addresses">What <paramref name="Host"/> is (an address) or resolved to; empty when it could not be resolved.</param>
/// <param name="CheckAddress">Whether the address is checked (the node's setting over <c>Dicom:CheckCallingAddress</c>).</param>
public sealed record NodeBinding(string AeTitle, string NodeName, string Host, bool RequireTls, bool CheckAddress, IReadOnlyList<IPAddress> Addresses)
{
    /// <summary>The binding of <paramref name="node"/>: its host as an address, or what <paramref name="resolve"/> makes of its name.</summary>
    public static async Task<NodeBinding> ForAsync(
        DicomNode node, bool portalDefault, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken cancellationToken)
    {
        if (node.IsDicomWeb)
        {
            throw new ArgumentException($"Node {node.Name} is a DICOMweb node: it never calls the Storage SCP, so it has no binding.", nameof(node));
        }

        var check = node.ChecksCallingAddress(portalDefault);
        IReadOnlyList<IPAddress> addresses = [];
        if (IPAddress.TryParse(node.Host, out var address))
        {
            addresses = [address];
        }
        else if (check)
        {
            try
            {
                addresses = await resolve(node.Host, cancellationToken);
            }
            catch (SocketException)
            {
                // Unresolvable: nothing matches, so the node is refused (and the alert says why) until its name resolves.
            }
        }

        return new NodeBinding(node.AeTitleValue, node.Name, node.Host, node.UseTls, check, addresses);
    }

    public bool Admits(IPAddress remote) => !CheckAddress || Addresses.Any(a => PeerAddress.SameHost(remote, a));

    /// <summary>For the alert: the node, its host and what that is.</summary>
    public string Expected => Addresses.Count == 0
        ? $"node \"{NodeName}\" at {Host}, which does not resolve"
        : IPAddress.TryParse(Host, out _)
            ? $"node \"{NodeName}\" at {Host}"
            : $"node \"{NodeName}\" at {Host} ({string.Join(", ", Addresses.Select(PeerAddress.Canonical).Distinct())})";
}

/// <summary>
/// The Storage SCP's knowledge of its callers: the network's DICOM nodes by AE title, with the addresses their hosts
/// resolve to and whether they must use TLS. It is built off the network path (database and DNS, at start and then
/// every minute) and answers <see cref="DicomServerOptions.VerifyCaller"/> from memory.
/// </summary>
/// <param name="onlyNodes">
/// True when no calling AE titles are configured: only the nodes' AE titles are admitted, as they are now (a node added
/// or renamed counts from the next refresh). False: the configured list admits, and these bindings only restrict the
/// AE titles that are nodes'.
/// </param>
public sealed class CallingAeBindings(bool onlyNodes)
{
    private volatile IReadOnlyDictionary<string, IReadOnlyList<NodeBinding>> _byAeTitle = new Dictionary<string, IReadOnlyList<NodeBinding>>();

    public void Replace(IEnumerable<NodeBinding> bindings) =>
        _byAeTitle = bindings.GroupBy(b => b.AeTitle, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<NodeBinding>)[.. g], StringComparer.Ordinal);

    /// <summary>Whether some node with this AE title must call over TLS.</summary>
    public bool AnyRequiresTls => _byAeTitle.Values.Any(nodes => nodes.Any(n => n.RequireTls));

    /// <summary>
    /// Null admits <paramref name="caller"/>: its AE title is no node's (and the configured list admitted it), or one of
    /// the nodes with that title admits it (several facilities may use one AE title from different hosts).
    /// </summary>
    public CallerRefusal? Check(AssociationCaller caller)
    {
        if (!_byAeTitle.TryGetValue(caller.CallingAeTitle, out var nodes))
        {
            return onlyNodes ? new CallerRefusal(AssociationRefusalReason.CallingAeTitleNotRecognized, "no DICOM node has this AE title") : null;
        }

        var fromRightAddress = nodes.Where(n => n.Admits(caller.RemoteAddress)).ToList();
        if (fromRightAddress.Count == 0)
        {
            return new CallerRefusal(AssociationRefusalReason.CallingAddressNotExpected, $"expected from {string.Join("; ", nodes.Select(n => n.Expected))}");
        }

        // Over TLS the client certificate has already been checked against the trusted authorities in the handshake.
        if (caller.OverTls || fromRightAddress.Any(n => !n.RequireTls))
        {
            return null;
        }

        return new CallerRefusal(AssociationRefusalReason.TlsRequired, $"{string.Join("; ", fromRightAddress.Select(n => $"node \"{n.NodeName}\""))} must call over TLS");
    }
}
