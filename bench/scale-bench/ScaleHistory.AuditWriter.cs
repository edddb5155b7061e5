using ImagePortal.Domain.Audit;
using Microsoft.Data.Sqlite;

namespace ImagePortal.Bench.Scale;

public sealed partial class ScaleHistory
{
    /// <summary>Appends sealed events after the trail's tail, a checkpoint every 1,000 (AuditOptions.CheckpointEvery).</summary>
    private sealed class AuditWriter
    {
        private readonly string _connectionString;
        private readonly AuditChainKey _key;
        private long _sequence;
        private string _tail;

        private AuditWriter(string connectionString, AuditChainKey key, long sequence, string tail)
        {
            _connectionString = connectionString;
            _key = key;
            _sequence = sequence;
            _tail = tail;
        }

        public long Written { get; private set; }

        public static async Task<AuditWriter> OpenAsync(string connectionString, AuditChainKey key, CancellationToken cancellationToken)
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var tail = connection.CreateCommand();
            tail.CommandText = "SELECT Sequence, Hash FROM AuditEvents ORDER BY Sequence DESC LIMIT 1";
            await using var reader = await tail.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new AuditWriter(connectionString, key, reader.GetInt64(0), reader.GetString(1))
                : new AuditWriter(connectionString, key, 0, AuditEvent.GenesisHash);
        }

        public async Task AppendAsync(IEnumerable<AuditEntryAt> entries, CancellationToken cancellationToken)
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = connection.BeginTransaction();
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO AuditEvents (Sequence, Id, At, Type, Action, Outcome, UserId, UserName, FacilityId, Address, PatientId, ObjectReference, Description, PreviousHash, Hash, KeyId)
                VALUES ($seq, $id, $at, $type, $action, $outcome, $userId, $userName, $facility, $address, $patient, $object, $description, $previous, $hash, $key)
                """;
            var p = new[] { "$seq", "$id", "$at", "$type", "$action", "$outcome", "$userId", "$userName", "$facility", "$address", "$patient", "$object", "$description", "$previous", "$hash", "$key" }
                .ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }));
            insert.Prepare();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = """
                INSERT INTO AuditCheckpoints (Sequence, Hash, CreatedAt, KeyId, Seal, EarliestEventAt)
                SELECT $seq, $hash, $at, $key, $seal, MIN(At) FROM AuditEvents
                WHERE Sequence <= $seq AND Sequence > COALESCE((SELECT MAX(Sequence) FROM AuditCheckpoints WHERE Sequence < $seq), 0)
                """; // the earliest time since the previous checkpoint, as AuditCheckpoints writes it
            foreach (var entry in entries)
            {
                var e = new AuditEvent(entry.At, entry.Type, entry.Action, entry.Outcome, entry.User?.Id, entry.User?.UserName ?? entry.WorkerName,
                    entry.User?.FacilityId, entry.User is null ? null : "10.20.0." + (1 + (entry.User.UserName.Length * 7 % 200)),
                    entry.PatientId, entry.ObjectReference, entry.Description, _tail, _key);
                _sequence++;
                p["$seq"].Value = _sequence;
                p["$id"].Value = e.Id.ToString("D").ToUpperInvariant();
                p["$at"].Value = e.At.UtcTicks;
                p["$type"].Value = e.Type.ToString();
                p["$action"].Value = e.Action.ToString();
                p["$outcome"].Value = (int)e.Outcome;
                p["$userId"].Value = (object?)e.UserId ?? DBNull.Value;
                p["$userName"].Value = (object?)e.UserName ?? DBNull.Value;
                p["$facility"].Value = e.FacilityId is { } f ? f.ToString("D").ToUpperInvariant() : DBNull.Value;
                p["$address"].Value = (object?)e.Address ?? DBNull.Value;
                p["$patient"].Value = (object?)e.PatientId ?? DBNull.Value;
                p["$object"].Value = (object?)e.ObjectReference ?? DBNull.Value;
                p["$description"].Value = e.Description;
                p["$previous"].Value = e.PreviousHash;
                p["$hash"].Value = e.Hash;
                p["$key"].Value = e.KeyId;
                await insert.ExecuteNonQueryAsync(cancellationToken);
                _tail = e.Hash;
                Written++;
                if (_sequence % CheckpointEvery == 0)
                {
                    var mark = new AuditCheckpoint(_sequence, e.Hash, e.At, _key, null);
                    checkpoint.Parameters.Clear();
                    checkpoint.Parameters.AddWithValue("$seq", mark.Sequence);
                    checkpoint.Parameters.AddWithValue("$hash", mark.Hash);
                    checkpoint.Parameters.AddWithValue("$at", mark.CreatedAt.UtcTicks);
                    checkpoint.Parameters.AddWithValue("$key", mark.KeyId);
                    checkpoint.Parameters.AddWithValue("$seal", mark.Seal);
                    await checkpoint.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }
}
