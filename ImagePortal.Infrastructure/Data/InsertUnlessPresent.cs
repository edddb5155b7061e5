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
/// audit error in the log of an installation whose nodes merely agreed. Only a clash on the key named (the primary key,
/// or one unique index) is taken this way; any other refusal (another unique index, a locked or full database) fails
/// as it would from SaveChanges.
/// </summary>
public static class InsertUnlessPresent
{
    /// <summary>Parameters per statement, under SQL Server's limit of 2,100 (SQLite's and PostgreSQL's are higher).</summary>
    private const int MaxParameters = 2000;

    /// <summary>
    /// Inserts <paramref name="entity"/> (not tracked: the context's change tracker is left as it is) unless a row with
    /// its primary key exists; true when this call wrote it, false when the row was there already.
    /// </summary>
    public static async Task<bool> InsertUnlessPresentAsync<T>(this DbContext db, T entity, CancellationToken cancellationToken)
        where T : class =>
        await db.InsertUnlessPresentAsync([entity], null, cancellationToken) == 1;

    /// <summary>
    /// Inserts each of <paramref name="entities"/> (not tracked) unless a row with the same values in
    /// <paramref name="uniqueBy"/> exists (the primary key when null; else the properties of one unique index), and
    /// returns how many this call wrote. A key the database generates (an identity column) is left to the database
    /// when the entity's is unset. The entities must differ in <paramref name="uniqueBy"/> among themselves.
    /// </summary>
    public static async Task<int> InsertUnlessPresentAsync<T>(
        this DbContext db, IReadOnlyList<T> entities, IReadOnlyList<string>? uniqueBy, CancellationToken cancellationToken)
        where T : class
    {
        if (entities.Count == 0)
        {
            return 0;
        }

        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var key = uniqueBy is null ? type.FindPrimaryKey()!.Properties : UniqueIndex(type, uniqueBy);
        var properties = type.GetProperties().Where(p => p.GetColumnName(table) is not null).ToList();
        if (type.GetComplexProperties().Any() || properties.Any(p => p.ValueGenerated != ValueGenerated.Never && !p.IsPrimaryKey()))
        {
            throw new NotSupportedException($"{typeof(T).Name} has values the database generates or complex properties; this insert writes plain columns as they are.");
        }

        // An identity key the entities leave unset is the database's to give, as SaveChanges would leave it.
        properties.RemoveAll(p => p.IsPrimaryKey() && !key.Contains(p) && p.ValueGenerated.HasFlag(ValueGenerated.OnAdd) &&
            entities.All(e => Equals(db.Entry(e).Property(p.Name).CurrentValue, p.Sentinel ?? Activator.CreateInstance(p.ClrType))));

        var written = 0;
        foreach (var chunk in entities.Chunk(Math.Max(1, MaxParameters / properties.Count)))
        {
            written += await InsertChunkAsync(db, sql, table, properties, key, chunk, cancellationToken);
        }

        return written;
    }

    private static IReadOnlyList<IProperty> UniqueIndex(IEntityType type, IReadOnlyList<string> names)
    {
        var primary = type.FindPrimaryKey()!.Properties;
        if (primary.Select(p => p.Name).SequenceEqual(names))
        {
            return primary;
        }

        return type.GetIndexes().FirstOrDefault(i => i.IsUnique && i.Properties.Select(p => p.Name).SequenceEqual(names))?.Properties
            ?? throw new InvalidOperationException($"{type.DisplayName()} has no unique index on {string.Join(", ", names)}.");
    }

    private static async Task<int> InsertChunkAsync<T>(
        DbContext db, ISqlGenerationHelper sql, StoreObjectIdentifier table, List<IProperty> properties, IReadOnlyList<IProperty> key,
        T[] entities, CancellationToken cancellationToken)
        where T : class
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        var parameters = new List<DbParameter>(properties.Count * entities.Length);
        var rows = new List<string>(entities.Length);
        foreach (var entity in entities)
        {
            var entry = db.Entry(entity);
            var row = new List<string>(properties.Count);
            foreach (var property in properties)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"p{parameters.Count}");
                // The property's own mapping converts the value as SaveChanges would (SQLite keeps times as UTC ticks).
                var parameter = property.GetRelationalTypeMapping().CreateParameter(
                    command, sql.GenerateParameterName(name), entry.Property(property.Name).CurrentValue, property.IsNullable);
                parameters.Add(parameter);
                row.Add(parameter.ParameterName);
            }

            rows.Add($"({string.Join(", ", row)})");
        }

        var tableName = sql.DelimitIdentifier(table.Name, table.Schema);
        var columns = properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)).ToList();
        var keyColumns = key.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)).ToList();
        var statement = db.Database.IsSqlServer()
            // The range lock keeps a second writer waiting until the first has committed; it then finds the row.
            ? $"INSERT INTO {tableName} ({string.Join(", ", columns)}) SELECT {string.Join(", ", columns.Select(c => $"v.{c}"))} " +
              $"FROM (VALUES {string.Join(", ", rows)}) AS v ({string.Join(", ", columns)}) WHERE NOT EXISTS (SELECT 1 FROM {tableName} " +
              $"AS t WITH (UPDLOCK, HOLDLOCK) WHERE {string.Join(" AND ", keyColumns.Select(c => $"t.{c} = v.{c}"))})"
            // SQLite 3.24 and PostgreSQL 9.5 on: only a clash on the key named is let pass.
            : $"INSERT INTO {tableName} ({string.Join(", ", columns)}) VALUES {string.Join(", ", rows)} ON CONFLICT ({string.Join(", ", keyColumns)}) DO NOTHING";
        return await db.Database.ExecuteSqlRawAsync(statement, parameters, cancellationToken);
    }
}
