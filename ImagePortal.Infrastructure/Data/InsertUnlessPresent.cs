using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ImagePortal.Infrastructure.Data;

/// <summary>
/// Inserts a row that every node may write at the same moment (the checkpoint at one sequence number, a row keyed by
/// what it is about), so that the node that comes second finds the row there instead of failing. SaveChanges would
/// raise a unique violation there, which Entity Framework logs as an error before any caller can call it expected: an
/// audit error in the log of an installation whose nodes merely agreed. Only a clash on the primary key is taken this
/// way; any other refusal (another unique index, a locked or full database) fails as it would from SaveChanges.
/// </summary>
public static class InsertUnlessPresent
{
    /// <summary>
    /// Inserts <paramref name="entity"/> (not tracked: the context's change tracker is left as it is) unless a row with
    /// its primary key exists; true when this call wrote it, false when the row was there already.
    /// </summary>
    public static async Task<bool> InsertUnlessPresentAsync<T>(this DbContext db, T entity, CancellationToken cancellationToken)
        where T : class
    {
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var key = type.FindPrimaryKey()!.Properties;
        var properties = type.GetProperties().Where(p => p.GetColumnName(table) is not null).ToList();
        if (type.GetComplexProperties().Any() || properties.Any(p => p.ValueGenerated != ValueGenerated.Never && !p.IsPrimaryKey()))
        {
            throw new NotSupportedException($"{typeof(T).Name} has values the database generates or complex properties; this insert writes plain columns as they are.");
        }

        var entry = db.Entry(entity);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        var parameters = new List<DbParameter>(properties.Count);
        var columns = new List<string>(properties.Count);
        foreach (var property in properties)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"p{parameters.Count}");
            // The property's own mapping converts the value as SaveChanges would (SQLite keeps times as UTC ticks).
            parameters.Add(property.GetRelationalTypeMapping().CreateParameter(
                command, sql.GenerateParameterName(name), entry.Property(property.Name).CurrentValue, property.IsNullable));
            columns.Add(sql.DelimitIdentifier(property.GetColumnName(table)!));
        }

        var tableName = sql.DelimitIdentifier(table.Name, table.Schema);
        var values = string.Join(", ", parameters.Select(p => p.ParameterName));
        var keyColumns = key.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)).ToList();
        var statement = db.Database.IsSqlServer()
            // The range lock keeps a second writer waiting until the first has committed; it then finds the row.
            ? $"INSERT INTO {tableName} ({string.Join(", ", columns)}) SELECT {values} WHERE NOT EXISTS (SELECT 1 FROM {tableName} " +
              $"WITH (UPDLOCK, HOLDLOCK) WHERE {string.Join(" AND ", key.Select((p, i) => $"{keyColumns[i]} = {parameters[properties.IndexOf(p)].ParameterName}"))})"
            // SQLite 3.24 and PostgreSQL 9.5 on: only a clash on the key is let pass.
            : $"INSERT INTO {tableName} ({string.Join(", ", columns)}) VALUES ({values}) ON CONFLICT ({string.Join(", ", keyColumns)}) DO NOTHING";
        return await db.Database.ExecuteSqlRawAsync(statement, parameters, cancellationToken) == 1;
    }
}
