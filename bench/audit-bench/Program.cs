using System.Diagnostics;
using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

// A trail of N sealed events (a checkpoint every 1,000, as the portal writes them) in a fresh SQLite database, then:
// a full verification (which marks the checkpoints it passed as verified), a quick one right after it, and quick
// ones after 500 and after 5,000 more events. Prints one line per measurement: "name seconds events-walked".
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var folder = Directory.CreateTempSubdirectory("audit-bench");
try
{
    var connectionString = $"Data Source={Path.Combine(folder.FullName, "audit.db")};Pooling=true";
    var factory = new Factory(new DbContextOptionsBuilder<SqliteImagePortalDbContext>().UseSqlite(connectionString).Options);
    await using (var db = factory.CreateDbContext())
    {
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }

    var key = AuditChainKey.Generate();
    var keys = new AuditKeyRing(key, []);
    var options = Options.Create(new AuditOptions());
    var checkpoints = new AuditCheckpoints(factory, keys, TimeProvider.System, options, new AuditExportSignal(), Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditCheckpoints>.Instance);
    var verifier = new AuditVerifier(factory, keys, checkpoints, TimeProvider.System);

    var clock = Stopwatch.StartNew();
    var tail = Append(connectionString, key, AuditEvent.GenesisHash, 0, events);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generate {clock.Elapsed.TotalSeconds:0.00} {events}"));

    await Measure("full", () => verifier.VerifyAsync(AuditVerificationScope.Full));
    await Measure("quick-after-full", () => verifier.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint));
    tail = Append(connectionString, key, tail.Hash, tail.Sequence, 500);
    await Measure("quick-after-500", () => verifier.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint));
    Append(connectionString, key, tail.Hash, tail.Sequence, 5_000);
    await Measure("quick-after-5000", () => verifier.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint));
}
finally
{
    SqliteConnection.ClearAllPools();
    folder.Delete(recursive: true);
}

static async Task Measure(string name, Func<Task<AuditVerification>> verify)
{
    var clock = Stopwatch.StartNew();
    var result = await verify();
    if (!result.IsIntact)
    {
        throw new InvalidOperationException($"{name}: broken at {result.BrokenAt}: {result.Problem}");
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {clock.Elapsed.TotalSeconds:0.000} {result.EventsChecked}"));
}

// Rows as the portal's AuditTrail writes them (sealed by the domain's own constructor), in one transaction for speed,
// with a checkpoint every 1,000 events.
static (long Sequence, string Hash) Append(string connectionString, AuditChainKey key, string previous, long sequence, int count)
{
    using var connection = new SqliteConnection(connectionString);
    connection.Open();
    using var transaction = connection.BeginTransaction();
    using var insert = connection.CreateCommand();
    insert.CommandText = """
        INSERT INTO AuditEvents (Sequence, Id, At, Type, Action, Outcome, UserId, UserName, FacilityId, Address, PatientId, ObjectReference, Description, PreviousHash, Hash, KeyId)
        VALUES ($seq, $id, $at, $type, $action, $outcome, $userId, $userName, NULL, $address, $patient, $object, $description, $previous, $hash, $key)
        """;
    var parameters = new[] { "$seq", "$id", "$at", "$type", "$action", "$outcome", "$userId", "$userName", "$address", "$patient", "$object", "$description", "$previous", "$hash", "$key" }
        .ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }));
    using var checkpoint = connection.CreateCommand();
    checkpoint.CommandText = """
        INSERT INTO AuditCheckpoints (Sequence, Hash, CreatedAt, KeyId, Seal, EarliestEventAt)
        SELECT $seq, $hash, $at, $key, $seal, MIN(At) FROM AuditEvents
        WHERE Sequence <= $seq AND Sequence > COALESCE((SELECT MAX(Sequence) FROM AuditCheckpoints WHERE Sequence < $seq), 0)
        """; // the earliest time since the previous checkpoint, as AuditCheckpoints writes it
    var start = DateTimeOffset.UtcNow.AddDays(-365);
    for (var i = 0; i < count; i++)
    {
        sequence++;
        var at = start.AddSeconds(sequence * 30);
        var e = new AuditEvent(at, (AuditEventType)(i % 8), AuditAction.Read, AuditOutcome.Success, "user-" + (i % 50), "clerk" + (i % 50),
            null, "10.0.0." + (i % 200), "MRN-" + (i % 40_000), $"REQ-2026-{i % 100_000:000000}", $"Request REQ-2026-{i % 100_000:000000} viewed", previous, key);
        parameters["$seq"].Value = sequence;
        parameters["$id"].Value = e.Id.ToString("D").ToUpperInvariant();
        parameters["$at"].Value = e.At.UtcTicks;
        parameters["$type"].Value = e.Type.ToString();
        parameters["$action"].Value = e.Action.ToString();
        parameters["$outcome"].Value = (int)e.Outcome;
        parameters["$userId"].Value = e.UserId;
        parameters["$userName"].Value = e.UserName;
        parameters["$address"].Value = e.Address;
        parameters["$patient"].Value = e.PatientId;
        parameters["$object"].Value = e.ObjectReference;
        parameters["$description"].Value = e.Description;
        parameters["$previous"].Value = e.PreviousHash;
        parameters["$hash"].Value = e.Hash;
        parameters["$key"].Value = e.KeyId;
        insert.ExecuteNonQuery();
        previous = e.Hash;
        if (sequence % 1000 == 0)
        {
            var mark = new AuditCheckpoint(sequence, e.Hash, at, key, null);
            checkpoint.Parameters.Clear();
            checkpoint.Parameters.AddWithValue("$seq", mark.Sequence);
            checkpoint.Parameters.AddWithValue("$hash", mark.Hash);
            checkpoint.Parameters.AddWithValue("$at", mark.CreatedAt.UtcTicks);
            checkpoint.Parameters.AddWithValue("$key", mark.KeyId);
            checkpoint.Parameters.AddWithValue("$seal", mark.Seal);
            checkpoint.ExecuteNonQuery();
        }
    }

    transaction.Commit();
    return (sequence, previous);
}

internal sealed class Factory(DbContextOptions<SqliteImagePortalDbContext> options) : IDbContextFactory<ImagePortalDbContext>
{
    public ImagePortalDbContext CreateDbContext() => new SqliteImagePortalDbContext(options);
}
