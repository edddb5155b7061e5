using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.DicomSettings;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Security;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Features.Common;

/// <summary>The use-case log keeps changes, refusals and slow reads at Information, and routine reads at Debug.</summary>
public sealed class LoggingBehaviorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARoutineRead_IsLoggedAtDebug_SoPageViewsDoNotFloodTheLog()
    {
        var log = new ListLogger<LoggingBehavior<GetAuditExportStatus, Result<AuditExportStatus>>>();
        var behavior = new LoggingBehavior<GetAuditExportStatus, Result<AuditExportStatus>>(log, new CurrentUser());

        await behavior.Handle(new GetAuditExportStatus(), (_, _) => ValueTask.FromResult(Result<AuditExportStatus>.NotFound("none")), Ct);
        await behavior.Handle(new GetAuditExportStatus(), (_, _) => ValueTask.FromResult((Result<AuditExportStatus>)Status()), Ct);

        Assert.Equal([LogLevel.Information, LogLevel.Debug], log.Levels);
        Assert.Contains("GetAuditExportStatus", log.Messages[1]);
    }

    [Fact]
    public async Task AChange_IsLoggedAtInformation()
    {
        var log = new ListLogger<LoggingBehavior<UpdatePortalDicomSettings, Result>>();
        var behavior = new LoggingBehavior<UpdatePortalDicomSettings, Result>(log, new CurrentUser());

        await behavior.Handle(new UpdatePortalDicomSettings("PORTAL", 104, [], null), (_, _) => ValueTask.FromResult(Result.Success()), Ct);

        Assert.Equal([LogLevel.Information], log.Levels);
    }

    private static AuditExportStatus Status() => new(null, 0, null, 0, null, null, null, "0123456789abcdef", null);

    private sealed class ListLogger<T> : ILogger<T>
    {
        public List<LogLevel> Levels { get; } = [];

        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Levels.Add(logLevel);
            Messages.Add(formatter(state, exception));
        }
    }
}
