using ImagePortal.Dicom.Network;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>What a <see cref="JobRun"/> works with, handed over by the <see cref="RetrievalRunner"/> that runs it.</summary>
internal sealed record RetrievalServices(
    IDbContextFactory<ImagePortalDbContext> DbFactory,
    RetrievalQueue Queue,
    IOptionsMonitor<RetrievalOptions> RetrievalOptions,
    IOptionsMonitor<PortalDicomOptions> DicomOptions,
    IPortalDicomSettings PortalIdentity,
    MoveRouter Router,
    SpoolBudget Spool,
    IServiceScopeFactory Scopes,
    IRetrievalObserver Observer,
    TimeProvider Clock,
    ILoggerFactory Loggers,
    DicomNetworkMetrics Metrics,
    ILogger Logger,
    DicomWebNodes WebNodes,
    DicomWebClients WebClients);
