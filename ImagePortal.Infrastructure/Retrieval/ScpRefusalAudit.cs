using System.Globalization;
using System.Text;
using System.Threading.Channels;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Writes a security alert to the audit trail for every association or connection the portal's Storage SCP refuses
/// (RELIABILITY_CHECKLIST 27). The SCP reports on its network path, so reports are queued and written by one loop; the
/// queue is bounded, and what a flood of refusals overflows is counted in one alert of its own.
/// </summary>
public sealed class ScpRefusalAudit(IServiceScopeFactory scopes, ILogger<ScpRefusalAudit> logger) : IAsyncDisposable
{
    public const string Actor = "Storage SCP";

    private const int Capacity = 256;

    private readonly Channel<AssociationRefusal> _queue = Channel.CreateBounded<AssociationRefusal>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private long _dropped;
    private Task? _writer;

    /// <summary>For <see cref="DicomServerOptions.OnAssociationRefused"/>: never blocks.</summary>
    public void Report(AssociationRefusal refusal)
    {
        if (!_queue.Writer.TryWrite(refusal))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Start() => _writer ??= Task.Run(WriteAsync);

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer;
        }
    }

    /// <summary>The alert's text. AE titles come from the network: quoted, cut to 16 characters, anything but printable ASCII escaped.</summary>
    public static string Describe(AssociationRefusal refusal)
    {
        var from = refusal.RemoteAddress.ToString();
        var titles = $"calling AE {Quote(refusal.CallingAeTitle)}, called AE {Quote(refusal.CalledAeTitle)}";
        return refusal.Reason switch
        {
            AssociationRefusalReason.CallingAeTitleNotRecognized => $"{Actor} refused an association from {from}: calling AE title not recognized ({titles}).",
            AssociationRefusalReason.CalledAeTitleNotRecognized => $"{Actor} refused an association from {from}: called AE title not ours ({titles}).",
            AssociationRefusalReason.TooManyAssociations => $"{Actor} refused an association from {from}: every association slot taken ({titles}).",
            AssociationRefusalReason.TooManyConnectionsFromAddress => $"{Actor} closed a connection from {from} at once: too many connections open from that address.",
            AssociationRefusalReason.TooManyConnections => $"{Actor} closed a connection from {from} at once: too many connections open.",
            AssociationRefusalReason.CallingAddressNotExpected =>
                $"{Actor} refused an association from {from}: calling AE {Quote(refusal.CallingAeTitle)} came from {from}, {Escape(refusal.Detail)} ({titles}).",
            AssociationRefusalReason.TlsRequired =>
                $"{Actor} refused an association from {from}: calling AE {Quote(refusal.CallingAeTitle)} came over plain TCP, but {Escape(refusal.Detail)} ({titles}).",
            AssociationRefusalReason.ClientCertificateMissing => $"{Actor} refused a TLS connection from {from}: no client certificate.",
            AssociationRefusalReason.ClientCertificateUntrusted =>
                $"{Actor} refused a TLS connection from {from}: the client certificate is not trusted ({Escape(refusal.Detail)}).",
            AssociationRefusalReason.TlsHandshakeFailed => $"{Actor} refused a connection from {from} on its TLS port: the TLS handshake failed ({Escape(refusal.Detail)}).",
            _ => $"{Actor} refused an association from {from} ({refusal.Reason}; {titles}).",
        };
    }

    /// <summary>A detail that may quote the peer (a certificate's subject): cut to 300 characters, anything but printable ASCII escaped.</summary>
    internal static string Escape(string? value)
    {
        var text = new StringBuilder();
        foreach (var c in value is null ? "" : value.Length <= 300 ? value : value[..300])
        {
            if (c is >= ' ' and <= '~' and not '\\')
            {
                text.Append(c);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
        }

        return text.ToString();
    }

    internal static string Quote(string? value)
    {
        if (value is null)
        {
            return "(none)";
        }

        var text = new StringBuilder("\"");
        foreach (var c in value.Length <= 16 ? value : value[..16])
        {
            if (c is >= ' ' and <= '~' and not '"' and not '\\')
            {
                text.Append(c);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
        }

        return text.Append('"').ToString();
    }

    private async Task WriteAsync()
    {
        await foreach (var refusal in _queue.Reader.ReadAllAsync())
        {
            var dropped = Interlocked.Exchange(ref _dropped, 0);
            if (dropped > 0)
            {
                await RecordAsync($"{Actor}: {dropped} more refused associations or connections were not recorded one by one (the queue of alerts was full).", null);
            }

            await RecordAsync(Describe(refusal), refusal.RemoteAddress.ToString());
        }
    }

    private async Task RecordAsync(string description, string? address)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.MinorFailure, description, ObjectReference: "DICOM association"),
                null, Actor, null, address, CancellationToken.None);
        }
        catch (Exception error)
        {
            // The alert is also in the log; the loop must go on for the next one.
            logger.LogError(error, "Could not audit: {Alert}", description);
        }
    }
}
