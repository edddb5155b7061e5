using ImagePortal.Domain.Retrievals;
using Microsoft.Data.Sqlite;

namespace ImagePortal.Bench.Scale;

// The import ledger of the history: one row per instance the retrievals imported.
public sealed partial class ScaleHistory
{
    /// <summary>One ledger row per imported instance, as the worker writes them after each C-STORE to the destination.</summary>
    private async Task<long> WriteLedgerAsync(List<Made> made, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO ImportedInstances (Id, JobId, DestinationNodeId, StudyInstanceUid, SopInstanceUid, Bytes, ImportedAt)
            VALUES ($id, $job, $node, $study, $sop, $bytes, $at)
            """;
        var p = new[] { "$id", "$job", "$node", "$study", "$sop", "$bytes", "$at" }
            .ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }));
        insert.Prepare();
        long rows = 0;
        foreach (var m in made)
        {
            if (m.Job is not { Imported: > 0 } job)
            {
                continue;
            }

            var node = _destinations[m.Request.RequestingFacilityId];
            var left = job.Imported;
            var at = job.Started!.Value;
            var step = (job.Finished!.Value - at) / Math.Max(1, job.Imported + 1);
            foreach (var study in m.Request.Studies)
            {
                for (var i = 1; i <= study.ExpectedInstances && left > 0; i++, left--)
                {
                    at += step;
                    var row = new ImportedInstance(job.Job.Id, node, study.StudyInstanceUid, $"{study.StudyInstanceUid}.{i}", 520_000, at);
                    p["$id"].Value = row.Id.ToString("D").ToUpperInvariant();
                    p["$job"].Value = row.JobId.ToString("D").ToUpperInvariant();
                    p["$node"].Value = row.DestinationNodeId.ToString("D").ToUpperInvariant();
                    p["$study"].Value = row.StudyInstanceUid;
                    p["$sop"].Value = row.SopInstanceUid;
                    p["$bytes"].Value = row.Bytes;
                    p["$at"].Value = row.ImportedAt.UtcTicks;
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    rows++;
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return rows;
    }
}
