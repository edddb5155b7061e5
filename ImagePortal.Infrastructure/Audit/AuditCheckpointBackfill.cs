namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// Fills <see cref="Domain.Audit.AuditCheckpoint.EarliestEventAt"/> of the checkpoints written before it was recorded,
/// as <see cref="AuditCheckpoints"/> computes it for a new one: the earliest time among the events after the previous
/// checkpoint, up to the checkpoint's own. Run by the migration that adds the column, on each provider.
/// </summary>
public static class AuditCheckpointBackfill
{
    /// <summary>SQLite and PostgreSQL (double-quoted names, an alias on the updated table).</summary>
    public const string Standard = """
        UPDATE "AuditCheckpoints" AS c SET "EarliestEventAt" = (
            SELECT MIN(e."At") FROM "AuditEvents" AS e
            WHERE e."Sequence" <= c."Sequence"
              AND e."Sequence" > COALESCE((SELECT MAX(p."Sequence") FROM "AuditCheckpoints" AS p WHERE p."Sequence" < c."Sequence"), 0))
        WHERE c."EarliestEventAt" IS NULL;
        """;

    /// <summary>SQL Server (bracketed names, so the script runs whatever QUOTED_IDENTIFIER is).</summary>
    public const string SqlServer = """
        UPDATE c SET c.[EarliestEventAt] = (
            SELECT MIN(e.[At]) FROM [AuditEvents] AS e
            WHERE e.[Sequence] <= c.[Sequence]
              AND e.[Sequence] > COALESCE((SELECT MAX(p.[Sequence]) FROM [AuditCheckpoints] AS p WHERE p.[Sequence] < c.[Sequence]), 0))
        FROM [AuditCheckpoints] AS c
        WHERE c.[EarliestEventAt] IS NULL;
        """;
}
