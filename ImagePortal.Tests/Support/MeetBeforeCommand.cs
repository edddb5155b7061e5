using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ImagePortal.Tests.Support;

/// <summary>Joins a <see cref="Meeting"/> before each command whose text starts with one of the given prefixes.</summary>
public sealed class MeetBeforeCommand(Meeting meeting, params string[] prefixes) : DbCommandInterceptor
{
    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Meet(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Meet(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    private void Meet(DbCommand command)
    {
        var text = command.CommandText.TrimStart();
        if (prefixes.Any(p => text.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            meeting.Join();
        }
    }
}
