using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Records the text of every SQL command the portal's contexts execute (queries, updates, inserts), in order. Added to a
/// fixture's SQLite context, it measures the database work of the retrieval workers by counting statements: a number
/// that a loaded machine does not change, where a timing would.
/// </summary>
public sealed class SqlCommandCounter : DbCommandInterceptor
{
    private readonly Lock _lock = new();
    private readonly List<(long At, string Sql)> _commands = [];

    /// <summary>How many commands ran so far: a mark for <see cref="Since"/>.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _commands.Count;
            }
        }
    }

    /// <summary>The commands run since <paramref name="mark"/> (a former <see cref="Count"/>), in order.</summary>
    public IReadOnlyList<string> Since(int mark) => [.. TimedSince(mark).Select(c => c.Sql)];

    /// <summary>When each command since <paramref name="mark"/> ran (<see cref="System.Diagnostics.Stopwatch"/> timestamps), with its text.</summary>
    public IReadOnlyList<(long At, string Sql)> TimedSince(int mark)
    {
        lock (_lock)
        {
            return _commands[Math.Min(mark, _commands.Count)..];
        }
    }

    /// <summary>A worker's look for a due job (<c>RetrievalQueue.TryLeaseAsync</c>): the ordered query over the queue.</summary>
    public static bool IsLeasePoll(string sql) =>
        sql.StartsWith("SELECT", StringComparison.Ordinal) && sql.Contains("FROM \"RetrievalJobs\"", StringComparison.Ordinal) &&
        sql.Contains("ORDER BY \"r\".\"NextAttemptAt\"", StringComparison.Ordinal);

    /// <summary>
    /// A renewal of a lease by a heartbeat: an update of a job that sets its expiry but neither its owner nor its state
    /// (those take, give back or end a lease). One a heartbeat tick.
    /// </summary>
    public static bool IsRenewal(string sql)
    {
        if (!sql.Contains("UPDATE \"RetrievalJobs\"", StringComparison.Ordinal))
        {
            return false;
        }

        var set = sql.IndexOf("SET ", StringComparison.Ordinal);
        var where = sql.IndexOf("WHERE", StringComparison.Ordinal);
        if (set < 0 || where < set)
        {
            return false;
        }

        var assignments = sql[set..where];
        return assignments.Contains("\"LeaseExpiresAt\"", StringComparison.Ordinal) &&
               !assignments.Contains("\"LeaseOwner\"", StringComparison.Ordinal) && !assignments.Contains("\"State\"", StringComparison.Ordinal);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    private void Record(DbCommand command)
    {
        lock (_lock)
        {
            _commands.Add((System.Diagnostics.Stopwatch.GetTimestamp(), command.CommandText));
        }
    }
}
