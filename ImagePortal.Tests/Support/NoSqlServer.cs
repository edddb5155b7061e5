using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ImagePortal.Tests.Support;

/// <summary>
/// A SQL Server context with no server behind it: connections and transactions "open" without a network, and each
/// command is recorded (text and parameter count) and answered as if nothing matched (no rows, one row affected), so
/// that the portal's own code can be run to see the T-SQL it sends.
/// </summary>
public sealed class NoSqlServer : IDbConnectionInterceptor, IDbCommandInterceptor, IDbTransactionInterceptor, IDbContextFactory<ImagePortalDbContext>
{
    public ConcurrentQueue<(string Text, int Parameters)> Commands { get; } = new();

    public ImagePortalDbContext CreateDbContext() =>
        new SqlServerImagePortalDbContext(new DbContextOptionsBuilder<SqlServerImagePortalDbContext>()
            .UseSqlServer("Server=127.0.0.1,1;Database=none;TrustServerCertificate=True")
            .AddInterceptors(this)
            .Options);

    public InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        InterceptionResult.Suppress();

    public ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult.Suppress());

    public InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        InterceptionResult.Suppress();

    public ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        ValueTask.FromResult(InterceptionResult.Suppress());

    public ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult<DbTransaction>.SuppressWithResult(new NoTransaction(connection)));

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(InterceptionResult<DbDataReader>.SuppressWithResult(new DataTable().CreateDataReader()));
    }

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(InterceptionResult<int>.SuppressWithResult(1));
    }

    public ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(InterceptionResult<object>.SuppressWithResult(0));
    }

    private void Record(DbCommand command) => Commands.Enqueue((command.CommandText, command.Parameters.Count));

    private sealed class NoTransaction(DbConnection connection) : DbTransaction
    {
        public override IsolationLevel IsolationLevel => IsolationLevel.ReadCommitted;

        protected override DbConnection DbConnection => connection;

        public override void Commit()
        {
        }

        public override void Rollback()
        {
        }
    }
}
