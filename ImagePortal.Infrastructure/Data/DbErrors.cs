using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ImagePortal.Infrastructure.Data;

/// <summary>Tells a save the database refused for a reason the caller expects from one it did not expect.</summary>
public static class DbErrors
{
    /// <summary>
    /// True when a unique index or key already holds the value (another writer took the number or the chain's tail
    /// first): worth another try or a "taken" answer. False for a locked, full or unreachable database, which no retry
    /// or "already used" message would explain: those go on to the caller as the failures they are.
    /// </summary>
    public static bool IsDuplicateKey(DbUpdateException exception) => exception.InnerException switch
    {
        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555): https://sqlite.org/rescode.html
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        // 2601: duplicate key row in a unique index; 2627: violation of a PRIMARY KEY or UNIQUE constraint.
        SqlException sqlServer => sqlServer.Number is 2601 or 2627,
        // 23505 unique_violation: https://www.postgresql.org/docs/current/errcodes-appendix.html
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
