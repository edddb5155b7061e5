using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Dicom.Network.Client;

/// <summary>
/// A DICOM service user (SCU) for one remote application entity. Each call to
/// <see cref="OpenAsync"/> opens an association that can carry many operations; the one-shot helpers
/// open, run and release.
/// </summary>
public sealed class DicomClient
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly DicomNetworkMetrics? _metrics;

    public DicomClient(string host, int port, AssociationOptions options, ILoggerFactory? loggerFactory = null, DicomNetworkMetrics? metrics = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        Host = host;
        Port = port;
        Options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _metrics = metrics;
    }

    public string Host { get; }

    public int Port { get; }

    public AssociationOptions Options { get; }

    public async Task<DicomClientAssociation> OpenAsync(IReadOnlyList<PresentationContextRequest> contexts, CancellationToken cancellationToken = default)
    {
        var logger = _loggerFactory.CreateLogger($"ImagePortal.Dicom.Network.Scu.{Options.CalledAeTitle}");
        var association = await DicomAssociation.ConnectAsync(Host, Port, Options, contexts, logger, _metrics, cancellationToken).ConfigureAwait(false);
        return new DicomClientAssociation(association, Options, _metrics, logger);
    }

    /// <summary>C-ECHO on a new association (PS3.7 9.1.5), released afterwards.</summary>
    public async Task<DimseStatus> EchoAsync(CancellationToken cancellationToken = default)
    {
        await using var association = await OpenAsync([PresentationContextRequest.Verification()], cancellationToken).ConfigureAwait(false);
        var status = await association.EchoAsync(cancellationToken).ConfigureAwait(false);
        await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        return status;
    }
}
