using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace ImagePortal.Tests.Support;

/// <summary>
/// SQL Server's T-SQL checked without a SQL Server (none runs on these machines): Microsoft's own parser
/// (<c>Microsoft.SqlServer.TransactSql.ScriptDom</c>, SQL Server 2022's grammar) finds what the server would refuse as
/// a syntax error, also inside the dynamic SQL of <c>EXEC(N'…')</c> that Entity Framework's idempotent scripts and our
/// migrations wrap statements in. It does not bind names: a misspelt column passes.
/// </summary>
public static class TSql
{
    /// <summary>SQL Server's limit on parameters in one request (RPC).</summary>
    public const int MaxParameters = 2100;

    /// <summary>Every syntax error in <paramref name="script"/> (batches split at <c>GO</c>), each with its line.</summary>
    public static IReadOnlyList<string> Errors(string script)
    {
        var errors = new List<string>();
        Collect(script, "", errors);
        return errors;
    }

    private static void Collect(string script, string within, List<string> errors)
    {
        var fragment = new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(script), out var parseErrors);
        errors.AddRange(parseErrors.Select(e => $"{within}line {e.Line}: {e.Message} near: {Near(script, e.Offset)}"));
        fragment?.Accept(new DynamicSql(script, within, errors));
    }

    private static string Near(string script, int offset) =>
        script.Substring(Math.Clamp(offset, 0, script.Length), Math.Min(80, script.Length - Math.Clamp(offset, 0, script.Length))).ReplaceLineEndings(" ");

    /// <summary>The string a batch hands to <c>EXEC(…)</c>, parsed as the server would at run time.</summary>
    private sealed class DynamicSql(string script, string within, List<string> errors) : TSqlFragmentVisitor
    {
        public override void ExplicitVisit(ExecutableStringList node)
        {
            if (node.Strings.All(s => s is StringLiteral))
            {
                var text = string.Concat(node.Strings.Cast<StringLiteral>().Select(s => s.Value));
                Collect(text, $"{within}EXEC at line {node.StartLine} ({Near(script, node.StartOffset)}), ", errors);
            }

            base.ExplicitVisit(node);
        }
    }
}

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
        public override System.Data.IsolationLevel IsolationLevel => System.Data.IsolationLevel.ReadCommitted;

        protected override DbConnection DbConnection => connection;

        public override void Commit()
        {
        }

        public override void Rollback()
        {
        }
    }
}
