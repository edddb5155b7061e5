using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The audit trail goes to a real syslog collector (Debian's rsyslog) over mutual TLS with a CA made for the test:
/// RFC 5424 messages carrying the DICOM PS3.15 A.5.1 audit message. Nothing is lost while the collector is away, the
/// backlog arrives in order when it returns, and a collector the portal cannot trust (or that refuses the portal) gets nothing.
/// </summary>
public sealed partial class SyslogExportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhileTheCollectorIsDown_EventsWait_ThenAllArriveOnce_InOrder_AsDicomAuditMessages()
    {
        using var folder = new TempDirectory("syslog");
        using var ca = TestPki.Create();
        var caFile = ca.WriteAuthorityPem(folder.Combine("ca.pem"));
        var server = Pem(ca.IssueServer(), folder, "server");
        var client = Pem(ca.IssueClient("imageportal"), folder, "client");
        var port = FreePort.Next();
        await using var app = await StartPortalAsync(port, caFile, client);

        // The collector is not there yet: 500 events are written and wait.
        const string hostileUser = "<script>alert(1)</script>\r\nforged line";
        await RecordAsync(app, 500, "probe", i => i == 250 ? hostileUser : "auditor");
        await Poll.UntilAsync(async () => (await StatusAsync(app)).LastError is not null, TimeSpan.FromSeconds(30), async () => $"No error recorded: {await StatusAsync(app)}");
        var waiting = await StatusAsync(app);
        Assert.Contains("refused the connection", waiting.LastError);
        Assert.True(waiting.Backlog >= 500, $"Backlog {waiting.Backlog}");
        Assert.Equal(0, waiting.LastSequence);

        await using (var collector = await RsyslogPeer.StartAsync(folder.Combine("collector"), port, caFile, server.Certificate, server.Key, cancellationToken: Ct))
        {
            await Poll.UntilAsync(() => Task.FromResult(Probes(collector, "probe").Count >= 500), TimeSpan.FromSeconds(60),
                () => Task.FromResult($"{Probes(collector, "probe").Count} of 500 arrived. rsyslog: {collector.Output}"));
            await Poll.UntilAsync(async () => (await StatusAsync(app)).Backlog == 0, TimeSpan.FromSeconds(30), async () => $"{await StatusAsync(app)}");
            var status = await StatusAsync(app);
            Assert.Null(status.LastError);
            Assert.NotNull(status.LastDeliveredAt);

            var received = Parse(collector.ReceivedLines());
            var stored = await app.InScopeAsync(provider => Db(provider).AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync(Ct));
            Assert.Equal(stored.Select(e => (e.Sequence, e.Hash)), received.Select(r => (r.Sequence, r.Hash)));

            var hostile = received.Single(r => r.Xml.Descendants("EventOutcomeDescription").Single().Value == "probe 250");
            var person = hostile.Xml.Root!.Elements("ActiveParticipant").First();
            Assert.Equal("<script>alert(1)</script>\\u000d\\u000aforged line", person.Attribute("UserID")!.Value);
        }

        // The collector goes away again (its process killed, the connection with it); what is written meanwhile arrives
        // when a collector listens again, and nothing arrives twice.
        await RecordAsync(app, 100, "second", _ => "auditor");
        await using (var collector = await RsyslogPeer.StartAsync(folder.Combine("collector"), port, caFile, server.Certificate, server.Key, cancellationToken: Ct))
        {
            await Poll.UntilAsync(() => Task.FromResult(Probes(collector, "second").Count >= 100), TimeSpan.FromSeconds(60),
                () => Task.FromResult($"{Probes(collector, "second").Count} of 100 arrived. rsyslog: {collector.Output}"));
            var all = Parse(collector.ReceivedLines());
            Assert.Equal(all.Count, all.Select(r => r.Sequence).Distinct().Count());
            Assert.Equal(all.Select(r => r.Sequence).Order(), all.Select(r => r.Sequence));
            var stored = await app.InScopeAsync(provider => Db(provider).AuditEvents.LongCountAsync(Ct));
            Assert.Equal(stored, all.Count);
        }
    }

    [Fact]
    public async Task EveryMessage_IsAWellFormedDicomAuditMessage_WithTheEventsCodes()
    {
        using var folder = new TempDirectory("syslog");
        using var ca = TestPki.Create();
        var caFile = ca.WriteAuthorityPem(folder.Combine("ca.pem"));
        var server = Pem(ca.IssueServer(), folder, "server");
        await using var collector = await RsyslogPeer.StartAsync(folder.Combine("collector"), null, caFile, server.Certificate, server.Key, cancellationToken: Ct);
        await using var app = await StartPortalAsync(collector.Port, caFile, Pem(ca.IssueClient("imageportal"), folder, "client"));

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            await trail.RecordAsync(new AuditEntry(AuditEventType.UserAuthentication, AuditAction.Execute, AuditOutcome.MinorFailure, "codes: sign-in failed"), null, "clerk.nvh", null, "127.0.0.1", Ct);
            await trail.RecordAsync(new AuditEntry(AuditEventType.InstancesTransferred, AuditAction.Create, AuditOutcome.Success, "codes: imported", "NVH-0042", "REQ-2026-000001"), "u-1", "approver.sbr", null, null, Ct);
            await trail.RecordAsync(
                new AuditEntry(AuditEventType.InstancesAccessed, AuditAction.Read, AuditOutcome.Success, "codes: viewed", "SBR-7001", "REQ-2026-000002", "1.2.826.0.1.3680043.8.498.1"),
                "u-2", "approver.sbr", null, "127.0.0.1", Ct);
        }

        await Poll.UntilAsync(() => Task.FromResult(Probes(collector, "codes:").Count >= 3), TimeSpan.FromSeconds(30), () => Task.FromResult(collector.Output));
        var messages = Parse(collector.ReceivedLines()).Where(r => r.Description.StartsWith("codes:", StringComparison.Ordinal)).ToList();

        var signIn = messages[0].Xml.Root!;
        Assert.Equal("AuditMessage", signIn.Name.LocalName);
        var identification = signIn.Element("EventIdentification")!;
        Assert.Equal(("E", "4"), (identification.Attribute("EventActionCode")!.Value, identification.Attribute("EventOutcomeIndicator")!.Value));
        Assert.Equal(("110114", "DCM"), (identification.Element("EventID")!.Attribute("csd-code")!.Value, identification.Element("EventID")!.Attribute("codeSystemName")!.Value));
        var person = signIn.Elements("ActiveParticipant").First();
        Assert.Equal(("clerk.nvh", "127.0.0.1", "2"), (person.Attribute("UserID")!.Value, person.Attribute("NetworkAccessPointID")!.Value, person.Attribute("NetworkAccessPointTypeCode")!.Value));
        Assert.Equal("ImagePortal", signIn.Element("AuditSourceIdentification")!.Attribute("AuditSourceID")!.Value);
        Assert.True(DateTimeOffset.TryParse(identification.Attribute("EventDateTime")!.Value, CultureInfo.InvariantCulture, out _));

        var import = messages[1].Xml.Root!;
        Assert.Equal("110104", import.Element("EventIdentification")!.Element("EventID")!.Attribute("csd-code")!.Value);
        var patient = import.Elements("ParticipantObjectIdentification").Single(p => p.Attribute("ParticipantObjectTypeCodeRole")?.Value == "1");
        Assert.Equal(("NVH-0042", "1"), (patient.Attribute("ParticipantObjectID")!.Value, patient.Attribute("ParticipantObjectTypeCode")!.Value));
        Assert.Contains(import.Elements("ParticipantObjectIdentification"), p => p.Attribute("ParticipantObjectID")!.Value == "REQ-2026-000001");
        Assert.Null(import.Elements("ParticipantObjectIdentification").FirstOrDefault(p => p.Attribute("ParticipantObjectTypeCodeRole")?.Value == "3"));

        // PS3.15 A.5.3.2: DICOM Instances Accessed names the study (Study Instance UID, role Report) and the patient.
        var viewed = messages[2].Xml.Root!;
        Assert.Equal(("110103", "R"), (viewed.Element("EventIdentification")!.Element("EventID")!.Attribute("csd-code")!.Value, viewed.Element("EventIdentification")!.Attribute("EventActionCode")!.Value));
        var study = Assert.Single(viewed.Elements("ParticipantObjectIdentification"), p => p.Attribute("ParticipantObjectTypeCodeRole")?.Value == "3");
        Assert.Equal(("1.2.826.0.1.3680043.8.498.1", "2"), (study.Attribute("ParticipantObjectID")!.Value, study.Attribute("ParticipantObjectTypeCode")!.Value));
        Assert.Equal(("110180", "DCM"), (study.Element("ParticipantObjectIDTypeCode")!.Attribute("csd-code")!.Value, study.Element("ParticipantObjectIDTypeCode")!.Attribute("codeSystemName")!.Value));
        var viewedPatient = Assert.Single(viewed.Elements("ParticipantObjectIdentification"), p => p.Attribute("ParticipantObjectTypeCodeRole")?.Value == "1");
        Assert.Equal(("SBR-7001", "1"), (viewedPatient.Attribute("ParticipantObjectID")!.Value, viewedPatient.Attribute("ParticipantObjectTypeCode")!.Value));
        Assert.All(messages, m => Assert.Equal("IHE+RFC-3881", m.MessageId));
    }

    [Fact]
    public async Task ACollectorWithACertificateFromAnotherCa_GetsNothing_AndTheReasonIsShown()
    {
        using var folder = new TempDirectory("syslog");
        using var ca = TestPki.Create();
        var caFile = ca.WriteAuthorityPem(folder.Combine("ca.pem"));
        using var impostorCa = TestPki.Create("Impostor CA");
        var impostorCaFile = impostorCa.WriteAuthorityPem(folder.Combine("impostor-ca.pem"));
        var impostor = Pem(impostorCa.IssueServer(), folder, "impostor");
        await using var collector = await RsyslogPeer.StartAsync(folder.Combine("collector"), null, impostorCaFile, impostor.Certificate, impostor.Key, "anon", cancellationToken: Ct);
        await using var app = await StartPortalAsync(collector.Port, caFile, Pem(ca.IssueClient("imageportal"), folder, "client"));

        await RecordAsync(app, 5, "secret", _ => "auditor");

        await Poll.UntilAsync(async () => (await StatusAsync(app)).LastError is not null, TimeSpan.FromSeconds(30), async () => $"{await StatusAsync(app)}");
        var status = await StatusAsync(app);
        Assert.Contains("TLS with the syslog collector failed", status.LastError);
        Assert.Equal(0, status.LastSequence);
        Assert.True(status.Backlog >= 5);
        Assert.Empty(collector.ReceivedLines());
    }

    [Fact]
    public async Task ACollectorThatAsksForTheCertificate_RefusesAPortalWithoutOne_AndNothingCountsAsDelivered()
    {
        using var folder = new TempDirectory("syslog");
        using var ca = TestPki.Create();
        var caFile = ca.WriteAuthorityPem(folder.Combine("ca.pem"));
        var server = Pem(ca.IssueServer(), folder, "server");
        await using var collector = await RsyslogPeer.StartAsync(folder.Combine("collector"), null, caFile, server.Certificate, server.Key, cancellationToken: Ct);
        await using var app = await StartPortalAsync(collector.Port, caFile, client: null);

        await RecordAsync(app, 5, "anonymous", _ => "auditor");

        await Poll.UntilAsync(async () => (await StatusAsync(app)).LastError is not null, TimeSpan.FromSeconds(30), async () => $"{await StatusAsync(app)}");
        var status = await StatusAsync(app);
        Assert.Contains("syslog collector", status.LastError);
        Assert.Equal(0, status.LastSequence);
        Assert.Empty(collector.ReceivedLines());
    }

    /// <summary>
    /// Some collectors check the portal's certificate name only when the first message arrives, and refuse by closing
    /// the connection then (dropping what came). A collector made for the test does exactly that, once.
    /// </summary>
    [Fact]
    public async Task ACollectorThatClosesAsTheFirstMessagesArrive_GetsThemAgainOnTheNextConnection()
    {
        using var folder = new TempDirectory("syslog");
        using var ca = TestPki.Create();
        var caFile = ca.WriteAuthorityPem(folder.Combine("ca.pem"));
        using var certificate = ca.IssueServer();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connections = 0;
        var received = new List<string>();

        // The collector runs on its own thread with blocking calls, so that its close follows the first message within
        // the portal's settle time even when the test process's thread pool is busy with other tests.
        var collector = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    using var client = listener.AcceptTcpClient();
                    using var tls = new SslStream(client.GetStream());
                    tls.AuthenticateAsServer(new SslServerAuthenticationOptions { ServerCertificate = certificate });
                    var buffer = new byte[65536];
                    if (Interlocked.Increment(ref connections) == 1)
                    {
                        _ = tls.Read(buffer);
                        continue;
                    }

                    int read;
                    var text = new StringBuilder();
                    while ((read = tls.Read(buffer)) > 0)
                    {
                        text.Append(Encoding.UTF8.GetString(buffer, 0, read));
                        lock (received)
                        {
                            received.Clear();
                            received.AddRange(Regex.Matches(text.ToString(), "dropped once \\d{3}").Select(m => m.Value));
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or System.Security.Authentication.AuthenticationException
                                       or InvalidOperationException)
            {
                // The listener is stopped at the test's end (while accepting: SocketException; between two connections:
                // InvalidOperationException "Not listening"), or the portal went away mid-connection. Anything that
                // escapes this thread ends the whole test run.
            }
        }) { IsBackground = true, Name = "syslog test collector" };
        collector.Start();
        try
        {
            await using var app = await StartPortalAsync(port, caFile, Pem(ca.IssueClient("imageportal"), folder, "client"));
            await RecordAsync(app, 5, "dropped once", _ => "auditor");

            await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref connections) >= 2), TimeSpan.FromSeconds(30), async () => $"{await StatusAsync(app)}");
            await Poll.UntilAsync(() => Task.FromResult(Snapshot(received).Count >= 5), TimeSpan.FromSeconds(30), async () => $"{await StatusAsync(app)}; received {string.Join(", ", Snapshot(received))}");
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"dropped once {i:000}"), Snapshot(received));
            await Poll.UntilAsync(async () => (await StatusAsync(app)).Backlog == 0, TimeSpan.FromSeconds(30), async () => $"{await StatusAsync(app)}");
        }
        finally
        {
            listener.Stop();
            collector.Join(TimeSpan.FromSeconds(10));
        }

        static List<string> Snapshot(List<string> list)
        {
            lock (list)
            {
                return [.. list];
            }
        }
    }

    private static (string Certificate, string Key) Pem(X509Certificate2 certificate, TempDirectory folder, string name)
    {
        using (certificate)
        {
            return TestPki.WritePem(certificate, folder.Path, name);
        }
    }

    private static async Task<PortalApp> StartPortalAsync(int port, string caFile, (string Certificate, string Key)? client)
    {
        var app = new PortalApp(startServer: false, new Dictionary<string, string?>
        {
            ["Audit:Syslog:Enabled"] = "true",
            ["Audit:Syslog:Host"] = "127.0.0.1",
            ["Audit:Syslog:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Audit:Syslog:TrustedCaFile"] = caFile,
            ["Audit:Syslog:ClientCertificateFile"] = client?.Certificate,
            ["Audit:Syslog:ClientKeyFile"] = client?.Key,
            ["Audit:Syslog:BatchSize"] = "50",
            ["Audit:Syslog:PollInterval"] = "00:00:00.200",
            ["Audit:Syslog:MaxRetryInterval"] = "00:00:01",
            ["Audit:Syslog:NewConnectionSettle"] = "00:00:02",
        });
        await app.InitializeAsync();
        return app;
    }

    private static async Task RecordAsync(PortalApp app, int count, string label, Func<int, string> userName)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        for (var i = 0; i < count; i++)
        {
            await trail.RecordAsync(new AuditEntry(AuditEventType.Query, AuditAction.Read, AuditOutcome.Success, $"{label} {i:000}"), "u-1", userName(i), null, "127.0.0.1", Ct);
        }
    }

    private static Task<AuditExportStatus> StatusAsync(PortalApp app) => app.InScopeAsync(async provider =>
    {
        var handler = new GetAuditExportStatusHandler(
            provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>(), provider.GetRequiredService<IOptions<AuditOptions>>(),
            provider.GetRequiredService<AuditKeyRing>());
        return (await handler.Handle(new GetAuditExportStatus(), Ct)).Value!;
    });

    private static ImagePortalDbContext Db(IServiceProvider provider) =>
        provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContext();

    private static List<Received> Probes(RsyslogPeer collector, string label) =>
        Parse(collector.ReceivedLines()).Where(r => r.Description.StartsWith(label, StringComparison.Ordinal)).ToList();

    /// <summary>Audit messages as the collector wrote them: "MSGID [imageportal@32473 seq=.. hash=..] BOM XML".</summary>
    private static List<Received> Parse(IEnumerable<string> lines) => lines
        .Where(l => l.StartsWith("IHE+RFC-3881 ", StringComparison.Ordinal))
        .Select(line =>
        {
            var data = StructuredData().Match(line);
            Assert.True(data.Success, line);
            var xml = XDocument.Parse(line[line.IndexOf("<AuditMessage", StringComparison.Ordinal)..]);
            return new Received(
                line[..line.IndexOf(' ', StringComparison.Ordinal)], long.Parse(data.Groups["seq"].Value, CultureInfo.InvariantCulture),
                data.Groups["hash"].Value, xml, xml.Descendants("EventOutcomeDescription").Single().Value);
        })
        .ToList();

    [GeneratedRegex("""\[imageportal@32473 seq="(?<seq>\d+)" id="[0-9a-f-]{36}" hash="(?<hash>[0-9a-f]{64})" prev="[0-9a-f]{64}" key="[0-9a-f]{16}"\]""")]
    private static partial Regex StructuredData();

    private sealed record Received(string MessageId, long Sequence, string Hash, XDocument Xml, string Description);
}
