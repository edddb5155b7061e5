using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Fails, while told to, every renewal of a retrieval job's lease (an update that sets its expiry, and the progress the
/// heartbeat writes with it, but not its owner or state), as a database that is locked or failing over would. Added to
/// a fixture's SQLite context.
/// </summary>
public sealed class LeaseRenewalFault : DbCommandInterceptor
{
    private int _hits;

    public volatile bool Failing;

    public int Hits => Volatile.Read(ref _hits);

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Failing && SqlCommandCounter.IsRenewal(command.CommandText))
        {
            Interlocked.Increment(ref _hits);
            throw new SqliteException("database is locked (injected by the test)", 5);
        }

        return ValueTask.FromResult(result);
    }
}
