using System.Collections.Concurrent;
using System.Data.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Reports;

/// <summary>The portal with every command its database contexts send recorded while <see cref="CaptureAsync"/> runs.</summary>
public sealed class ReportQueryCapturingFixture : UseCaseFixture
{
    private readonly Recorder _recorder = new();

    public async Task<IReadOnlyList<string>> CaptureAsync(Func<Task> work)
    {
        var commands = new ConcurrentQueue<string>();
        _recorder.Sink.Value = commands;
        try
        {
            await work();
        }
        finally
        {
            _recorder.Sink.Value = null;
        }

        return [.. commands];
    }

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureDbContext<SqliteImagePortalDbContext>(options => options.AddInterceptors(_recorder));

    private sealed class Recorder : DbCommandInterceptor
    {
        /// <summary>Where the commands of the flow under test go (the audit trail's own writes included).</summary>
        public AsyncLocal<ConcurrentQueue<string>?> Sink { get; } = new();

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Sink.Value?.Enqueue(command.CommandText);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Sink.Value?.Enqueue(command.CommandText);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Sink.Value?.Enqueue(command.CommandText);
            return ValueTask.FromResult(result);
        }
    }
}
