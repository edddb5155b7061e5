using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Fails the insert of an audit chain event whose values contain <paramref name="marker"/>, while told to, as a database
/// that refuses that one write (or a process that dies just before it) would. Added to a fixture's SQLite context.
/// </summary>
public sealed class AuditWriteFault(string marker) : DbCommandInterceptor
{
    private int _hits;

    public volatile bool Failing;

    public int Hits => Volatile.Read(ref _hits);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    private void Check(DbCommand command)
    {
        if (Failing && command.CommandText.Contains("INSERT INTO \"AuditEvents\"", StringComparison.Ordinal) &&
            command.Parameters.Cast<DbParameter>().Any(p => p.Value is string text && text.Contains(marker, StringComparison.Ordinal)))
        {
            Interlocked.Increment(ref _hits);
            throw new SqliteException("disk I/O error (injected by the test)", 10);
        }
    }
}
