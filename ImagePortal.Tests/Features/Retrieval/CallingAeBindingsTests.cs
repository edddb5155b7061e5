using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Retrieval;

namespace ImagePortal.Tests.Features.Retrieval;

/// <summary>
/// What the portal's Storage SCP admits of a node's AE title: only from the node's host (an address, or what its name
/// resolves to), only over TLS where the node says so; the node's own setting over the portal-wide default.
/// </summary>
public sealed class CallingAeBindingsTests
{
    private static readonly IPAddress Loopback = IPAddress.Loopback;
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ANodesAeTitle_IsAdmittedFromItsHost_AndRefusedFromAnotherAddress_NamingWhatWasExpected()
    {
        var callers = await BindingsAsync(Node(host: "127.0.0.2"));

        Assert.Null(callers.Check(Caller(from: Second)));
        Assert.Null(callers.Check(Caller(from: IPAddress.Parse("::ffff:127.0.0.2"))));
        var refused = callers.Check(Caller(from: Loopback));

        Assert.Equal(new CallerRefusal(AssociationRefusalReason.CallingAddressNotExpected, "expected from node \"SBR PACS\" at 127.0.0.2"), refused);
    }

    [Fact]
    public async Task AHostName_IsCheckedAgainstWhatItResolvesTo()
    {
        var callers = await BindingsAsync(Node(host: "pacs.sbr.example"), resolve: ["192.0.2.20", "2001:db8::20"]);

        Assert.Null(callers.Check(Caller(from: IPAddress.Parse("::ffff:192.0.2.20"))));
        Assert.Null(callers.Check(Caller(from: IPAddress.Parse("2001:db8::20"))));
        Assert.Equal(
            "expected from node \"SBR PACS\" at pacs.sbr.example (192.0.2.20, 2001:db8::20)",
            callers.Check(Caller(from: IPAddress.Parse("192.0.2.21")))?.Detail);
    }

    [Fact]
    public async Task Localhost_AdmitsTheLoopbackOfEitherFamily_ButNotAnotherLoopbackAddress()
    {
        var callers = await BindingsAsync(Node(host: "localhost"), resolve: ["::1", "127.0.0.1"]);

        Assert.Null(callers.Check(Caller(from: Loopback)));
        Assert.Null(callers.Check(Caller(from: IPAddress.IPv6Loopback)));
        Assert.Equal(AssociationRefusalReason.CallingAddressNotExpected, callers.Check(Caller(from: Second))?.Reason);
    }

    [Fact]
    public async Task AHostThatDoesNotResolve_AdmitsNothing_AndTheRefusalSaysWhy()
    {
        var callers = await BindingsAsync(Node(host: "gone.sbr.example"), resolve: null);

        var refused = callers.Check(Caller(from: Loopback));

        Assert.Equal("expected from node \"SBR PACS\" at gone.sbr.example, which does not resolve", refused?.Detail);
    }

    [Theory]
    [InlineData(CallingAddressCheck.PortalDefault, true, false)]
    [InlineData(CallingAddressCheck.PortalDefault, false, true)]
    [InlineData(CallingAddressCheck.Required, false, false)]
    [InlineData(CallingAddressCheck.Off, true, true)]
    public async Task TheNodesSetting_OverridesThePortalDefault(CallingAddressCheck check, bool portalDefault, bool admittedFromElsewhere)
    {
        var callers = await BindingsAsync(Node(host: "127.0.0.2", check: check), portalDefault: portalDefault);

        Assert.Equal(admittedFromElsewhere, callers.Check(Caller(from: Loopback)) is null);
        Assert.Null(callers.Check(Caller(from: Second)));
    }

    [Fact]
    public async Task ATlsNode_IsRefusedOverPlainTcp_AndAdmittedOverTls()
    {
        var callers = await BindingsAsync(Node(tls: true));

        Assert.Equal(
            new CallerRefusal(AssociationRefusalReason.TlsRequired, "node \"SBR PACS\" must call over TLS"),
            callers.Check(Caller(from: Loopback)));
        Assert.Null(callers.Check(Caller(from: Loopback, overTls: true)));
    }

    [Fact]
    public async Task OverTls_TheAddressIsStillChecked()
    {
        var callers = await BindingsAsync(Node(host: "127.0.0.2", tls: true));

        Assert.Equal(AssociationRefusalReason.CallingAddressNotExpected, callers.Check(Caller(from: Loopback, overTls: true))?.Reason);
    }

    [Fact]
    public async Task OneAeTitle_OfTwoNodes_IsAdmittedFromEitherHost_EachWithItsOwnTransport()
    {
        var callers = await BindingsAsync(Node(host: "127.0.0.1", tls: true), Node(name: "SBR backup", host: "127.0.0.2"));

        Assert.Null(callers.Check(Caller(from: Second)));
        Assert.Null(callers.Check(Caller(from: Loopback, overTls: true)));
        Assert.Equal(AssociationRefusalReason.TlsRequired, callers.Check(Caller(from: Loopback))?.Reason);
        Assert.Equal(
            "expected from node \"SBR PACS\" at 127.0.0.1; node \"SBR backup\" at 127.0.0.2",
            callers.Check(Caller(from: IPAddress.Parse("127.0.0.3")))?.Detail);
    }

    [Fact]
    public async Task WithoutAConfiguredList_AnAeTitleOfNoNode_IsNotRecognized()
    {
        var callers = await BindingsAsync(Node());

        Assert.Equal(AssociationRefusalReason.CallingAeTitleNotRecognized, callers.Check(Caller(ae: "INTRUDER", from: Loopback))?.Reason);
    }

    [Fact]
    public async Task WithAConfiguredList_AnAeTitleOfNoNode_IsLeftToTheList()
    {
        var callers = await BindingsAsync([Node(host: "127.0.0.2")], onlyNodes: false);

        Assert.Null(callers.Check(Caller(ae: "MODALITY1", from: Loopback)));
        Assert.NotNull(callers.Check(Caller(from: Loopback)));
    }

    private sealed record NodeSpec(string Name, string Host, bool Tls, CallingAddressCheck Check);

    private static NodeSpec Node(string name = "SBR PACS", string host = "127.0.0.1", bool tls = false, CallingAddressCheck check = CallingAddressCheck.PortalDefault) =>
        new(name, host, tls, check);

    private static AssociationCaller Caller(IPAddress from, string ae = "SBR_PACS", bool overTls = false) => new(ae, from, overTls, null);

    private static Task<CallingAeBindings> BindingsAsync(params NodeSpec[] nodes) => BindingsAsync(nodes, onlyNodes: true);

    private static Task<CallingAeBindings> BindingsAsync(NodeSpec node, string[]? resolve = null, bool portalDefault = true) =>
        BindingsAsync([node], onlyNodes: true, resolve ?? [], portalDefault, resolves: resolve is not null || IPAddress.TryParse(node.Host, out _));

    private static async Task<CallingAeBindings> BindingsAsync(
        NodeSpec[] nodes, bool onlyNodes, string[]? resolve = null, bool portalDefault = true, bool resolves = true)
    {
        var facility = new Facility("St. Brigid's", "SBR", "South", "SBR-MRN", "UTC");
        var callers = new CallingAeBindings(onlyNodes);
        var bindings = new List<NodeBinding>();
        foreach (var (spec, i) in nodes.Select((n, i) => (n, i)))
        {
            var node = facility.AddNode(spec.Name, AeTitle.Parse("SBR_PACS"), spec.Host, 104 + i, DicomCapabilities.All, spec.Tls);
            facility.SetNodeCallingAddressCheck(node.Id, spec.Check);
            bindings.Add(await NodeBinding.ForAsync(node, portalDefault, (host, _) => resolves
                ? Task.FromResult((resolve ?? []).Select(IPAddress.Parse).ToArray())
                : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)), Ct));
        }

        callers.Replace(bindings);
        return callers;
    }
}
