using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Reports;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>
/// SQL Server is the third provider, and no SQL Server runs here (PostgreSQL and SQLite run the suite). What a server
/// would refuse is checked without one: Microsoft's T-SQL parser reads the migration script an administrator runs and the
/// statements the portal writes by hand for SQL Server (produced by its own code against a context with no server behind
/// it); SQL Server's own schema rules (cascade paths, key sizes) are checked over the model; the patient name key's
/// collation; and every LINQ query of the tests is translated by SQL Server's provider too (<see cref="ShadowTranslation"/>).
/// </summary>
public sealed class SqlServerWithoutAServerTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public void TheIdempotentMigrationScript_IsValidTSql_DynamicSqlIncluded()
    {
        var script = MigrationScript();

        Assert.Empty(TSql.Errors(script));
        // The hand-written parts are in it: the audit trail's append-only trigger (as dynamic SQL) and the checkpoints' backfill.
        Assert.Contains("CREATE TRIGGER [AuditEvents_AppendOnly]", script);
        Assert.Contains(AuditCheckpointBackfill.SqlServer.Trim()[..40], script);
    }

    [Fact]
    public async Task TheReportFiguresUpsert_IsValidTSql_WithinTheParameterLimit()
    {
        var server = new NoSqlServer();
        var deltas = Enumerable.Range(0, 600).ToDictionary(
            i => new FigureKey(ReportGrain.Day, ReportFigureKind.Status, new DateOnly(2026, 1, 1).AddDays(i), Guid.NewGuid(), Guid.NewGuid(), i % 7),
            i => (long)(i % 3 == 0 ? -1 : 1));
        await using (var db = server.CreateDbContext())
        {
            await ReportRollup.ApplyAsync(db, deltas, Cancel);
        }

        Assert.Equal(3, server.Commands.Count);
        Assert.All(server.Commands, command =>
        {
            Assert.StartsWith("MERGE [ReportFigures]", command.Text.TrimStart());
            Assert.Empty(TSql.Errors(command.Text));
            Assert.InRange(command.Parameters, 1, TSql.MaxParameters);
        });
        Assert.Equal(600 * 7, server.Commands.Sum(c => c.Parameters));
    }

    [Fact]
    public async Task TheInsertEveryNodeMayMakeAtOnce_IsValidTSql_ForEachTableThatUsesIt_WithinTheParameterLimit()
    {
        var server = new NoSqlServer();
        var key = new AuditChainKey(new byte[AuditChainKey.MinimumLength]);
        var at = new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero);
        var job = Guid.NewGuid();
        var destination = Guid.NewGuid();
        var ledger = Enumerable.Range(0, 1000).Select(i => new ImportedInstance(job, destination, "2.25.1", $"2.25.1.{i}", 524_288, at)).ToList();

        await ImportLedger.WriteAsync(server, ledger, Cancel);
        await using (var db = server.CreateDbContext())
        {
            await db.InsertUnlessPresentAsync(new AuditExportState(AuditExportState.Syslog), Cancel);
            await db.InsertUnlessPresentAsync(new AuditCheckpoint(1, AuditEvent.GenesisHash, at, key, at), Cancel);
            await db.InsertUnlessPresentAsync(
                [new AuditEvent(at, AuditEventType.UserAuthentication, AuditAction.Execute, AuditOutcome.Success, null, "clerk.nvh", null, "127.0.0.1", null, null,
                    "Signed in", AuditEvent.GenesisHash, key)],
                [nameof(AuditEvent.PreviousHash)],
                Cancel);
        }

        var commands = server.Commands.ToList();
        Assert.Equal(["ImportedInstances", "AuditExports", "AuditCheckpoints", "AuditEvents"], commands.Select(c => Table(c.Text)).Distinct());
        // A thousand ledger rows take several statements, each under SQL Server's limit on parameters.
        Assert.True(commands.Count(c => Table(c.Text) == "ImportedInstances") > 1);
        Assert.All(commands, command =>
        {
            Assert.Contains("WITH (UPDLOCK, HOLDLOCK)", command.Text);
            Assert.Empty(TSql.Errors(command.Text));
            Assert.InRange(command.Parameters, 1, TSql.MaxParameters);
        });
        // The trail's sequence is the database's to give (an identity column), as SaveChanges leaves it.
        Assert.DoesNotContain("[Sequence]", commands[^1].Text);

        static string Table(string text) => text["INSERT INTO [".Length..text.IndexOf(']', StringComparison.Ordinal)];
    }

    [Fact]
    public async Task TheInstallationLock_IsValidTSql()
    {
        var server = new NoSqlServer();

        await (await InstallationLock.TakeAsync(server, "imageportal-install", Cancel)).DisposeAsync();

        var commands = server.Commands.ToList();
        Assert.Equal(2, commands.Count);
        Assert.Contains("sp_getapplock", commands[0].Text);
        Assert.Contains("sp_releaseapplock", commands[1].Text);
        Assert.All(commands, command => Assert.Empty(TSql.Errors(command.Text)));
    }

    /// <summary>
    /// SQL Server refuses a foreign key whose cascading action (ON DELETE CASCADE or SET NULL) would give a table a second
    /// cascading path from another table, or a cycle (error 1785, "may cause cycles or multiple cascade paths"), at the
    /// migration that creates it; SQLite and PostgreSQL allow both. The schema the migrations create has neither.
    /// </summary>
    [Fact]
    public void TheSchema_HasNoSecondCascadePath_NorCascadeCycle()
    {
        var cascades = Schema().Tables
            .SelectMany(t => t.ForeignKeyConstraints)
            .Where(fk => fk.OnDeleteAction is ReferentialAction.Cascade or ReferentialAction.SetNull)
            .Select(fk => (fk.PrincipalTable.Name, fk.Table.Name))
            .ToList();

        Assert.Contains(("ImageRequests", "RetrievalJobs"), cascades);
        Assert.Contains(("RetrievalJobs", "FailedInstances"), cascades);
        Assert.Empty(MultipleCascadePaths(cascades));
    }

    [Fact]
    public void TheCascadePathCheck_FindsASecondPathAndACycle()
    {
        var twoPaths = new[] { ("Facilities", "ImageRequests"), ("Facilities", "RetrievalJobs"), ("ImageRequests", "RetrievalJobs") };
        var cycle = new[] { ("A", "B"), ("B", "A") };

        Assert.Equal(["RetrievalJobs from Facilities: 2 cascading paths"], MultipleCascadePaths(twoPaths));
        Assert.NotEmpty(MultipleCascadePaths(cycle));
    }

    /// <summary>Each table reached from another by more than one chain of cascading foreign keys (a cycle reaches itself).</summary>
    private static List<string> MultipleCascadePaths(IEnumerable<(string Principal, string Dependent)> cascades)
    {
        var edges = cascades.ToList();
        var found = new List<string>();
        foreach (var start in edges.Select(e => e.Principal).Distinct())
        {
            var paths = new Dictionary<string, int>();
            var pending = new Stack<(string Table, int Depth)>([(start, 0)]);
            while (pending.TryPop(out var at))
            {
                foreach (var (_, dependent) in edges.Where(e => e.Principal == at.Table))
                {
                    paths[dependent] = paths.GetValueOrDefault(dependent) + 1;
                    if (dependent != start && at.Depth < edges.Count)
                    {
                        pending.Push((dependent, at.Depth + 1));
                    }
                }
            }

            found.AddRange(paths.Where(p => p.Value > 1 || p.Key == start).Select(p => p.Key == start
                ? $"{start} cascades back to itself"
                : $"{p.Key} from {start}: {p.Value} cascading paths"));
        }

        return found;
    }

    /// <summary>
    /// The patient search is a range on the name key, [typed text, the text with its last character incremented), and the
    /// request list sorted by patient reads the key's index in order: both need the key compared code point by code point.
    /// PostgreSQL databases made with the machine's locale compared by language and lost names (PatientNameLocaleTests);
    /// SQL Server's default collations are dictionary ones too (punctuation before letters: "LOPE[" sorts before "LOPEZ",
    /// so the range [LOPEZ, LOPE[) is empty; in code point order '[' comes after 'Z').
    /// The key is in a binary collation on both, from the model to the migration script.
    /// </summary>
    [Fact]
    public void ThePatientNameKey_ComparesCodePointByCodePoint_OnSqlServerAsOnPostgreSql()
    {
        var column = Schema().FindTable("ImageRequests", null)!.FindColumn("PatientNameKey")!;

        Assert.Equal("Latin1_General_100_BIN2", column.Collation);
        Assert.Matches(@"ALTER COLUMN \[PatientNameKey\] nvarchar\(129\) COLLATE Latin1_General_100_BIN2 NOT NULL", MigrationScript());
    }

    /// <summary>
    /// SQL Server refuses an index over a column of unlimited length (<c>nvarchar(max)</c>, <c>varbinary(max)</c>) when the
    /// migration creates it, and a row whose key is longer than 900 bytes in a clustered index (the primary key) or 1,700
    /// in another when it is written (it warns when it creates such an index); SQLite and PostgreSQL have neither limit.
    /// Every key and index of the schema stays within them at the columns' greatest lengths, but three primary keys of
    /// ASP.NET Core Identity's own schema (two or three <c>nvarchar(450)</c> columns each, as Identity makes them): the
    /// values the portal writes there are user and role ids (GUIDs, 36 characters), Identity's token names and
    /// providers (a few words), and no external login provider, far from 900 bytes.
    /// </summary>
    [Fact]
    public void EveryKeyAndIndex_FitsSqlServersKeyLimits()
    {
        var keys = Schema().Tables.SelectMany(table =>
            table.Indexes.Select(i => (Name: $"{table.Name}.{i.Name}", Limit: 1700, i.Columns))
                .Concat(table.UniqueConstraints.Select(u => (Name: $"{table.Name}.{u.Name}", Limit: u.GetIsPrimaryKey() ? 900 : 1700, u.Columns))))
            .ToList();

        var sized = keys.Select(k => (k.Name, k.Limit, Bytes: k.Columns.Select(c => KeyBytes(c.StoreType)).Aggregate(0L, (sum, b) => sum + b))).ToList();

        Assert.True(keys.Count > 20, $"only {keys.Count} keys and indexes read");
        Assert.DoesNotContain(sized, k => k.Bytes >= int.MaxValue);
        Assert.Equal(
            ["AspNetUserLogins.PK_AspNetUserLogins: 1800 bytes", "AspNetUserRoles.PK_AspNetUserRoles: 1800 bytes", "AspNetUserTokens.PK_AspNetUserTokens: 2700 bytes"],
            sized.Where(k => k.Bytes > k.Limit).Select(k => $"{k.Name}: {k.Bytes} bytes").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("nvarchar(64)", 128)]
    [InlineData("nvarchar(450)", 900)]
    [InlineData("varchar(10)", 10)]
    [InlineData("uniqueidentifier", 16)]
    [InlineData("datetimeoffset", 10)]
    [InlineData("nvarchar(max)", int.MaxValue)]
    [InlineData("varbinary(max)", int.MaxValue)]
    public void AKeyColumnsBytes_AreSqlServers(string storeType, int bytes)
    {
        Assert.Equal(bytes, KeyBytes(storeType));
    }

    /// <summary>The schema SQL Server's migrations create (tables, columns, keys, indexes, foreign keys).</summary>
    private static IRelationalModel Schema()
    {
        using var db = new NoSqlServer().CreateDbContext();
        return db.GetService<IDesignTimeModel>().Model.GetRelationalModel();
    }

    /// <summary>The idempotent migration script a DBA applies (as CI writes it).</summary>
    private static string MigrationScript()
    {
        using var db = new NoSqlServer().CreateDbContext();
        return db.GetInfrastructure().GetRequiredService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
    }

    /// <summary>The most bytes a value of <paramref name="storeType"/> takes in an index key; <see cref="int.MaxValue"/> when unlimited.</summary>
    private static int KeyBytes(string storeType)
    {
        var match = System.Text.RegularExpressions.Regex.Match(storeType, @"^(\w+)(?:\((max|\d+)(?:,\s*\d+)?\))?$");
        Assert.True(match.Success, $"store type {storeType}");
        var (name, size) = (match.Groups[1].Value, match.Groups[2].Value);
        if (size == "max")
        {
            return int.MaxValue;
        }

        var length = size.Length > 0 ? int.Parse(size, System.Globalization.CultureInfo.InvariantCulture) : 1;
        return name switch
        {
            "nvarchar" or "nchar" => 2 * length,
            "varchar" or "char" or "varbinary" or "binary" => length,
            "uniqueidentifier" => 16,
            "bigint" or "float" or "datetime2" or "datetime" => 8,
            "int" or "real" => 4,
            "smallint" => 2,
            "tinyint" or "bit" => 1,
            "date" => 3,
            "datetimeoffset" => 10,
            "decimal" or "numeric" => 17,
            _ => throw new InvalidOperationException($"Add the key size of {storeType}."),
        };
    }

    /// <summary>
    /// Every query the portal compiles in the tests is also translated by the other providers (<see cref="ShadowTranslation"/>,
    /// added to every test portal): SQL Server's for a query on SQLite or PostgreSQL, PostgreSQL's for one on SQLite. A query
    /// that another provider could not run fails the test that ran it.
    /// </summary>
    [Fact]
    public async Task EveryQueryThePortalRuns_IsAlsoTranslatedByTheOtherProviders_AndOneTheyCannotTranslateFails()
    {
        var codes = await fixture.DbAsync(db => db.Facilities.OrderBy(f => f.Code).Select(f => f.Code).ToListAsync(Cancel));
        var sqliteOnly = await Record.ExceptionAsync(() =>
            fixture.DbAsync(db => db.Facilities.Where(f => EF.Functions.Glob(f.Code, "N*")).Select(f => f.Code).ToListAsync(Cancel)));
        var postgreSqlOnly = await Record.ExceptionAsync(() =>
            fixture.DbAsync(db => db.Facilities.Where(f => EF.Functions.ILike(f.Code, "n%")).Select(f => f.Code).ToListAsync(Cancel)));

        Assert.Contains("NVH", codes);
        Assert.StartsWith("PostgreSQL's provider cannot translate a query the portal runs:", Assert.IsType<InvalidOperationException>(sqliteOnly).Message);
        Assert.StartsWith("SQL Server's provider cannot translate a query the portal runs:", Assert.IsType<InvalidOperationException>(postgreSqlOnly).Message);
    }

    /// <summary>The check has teeth: what SQL Server refuses, and the other providers' dialect, are found.</summary>
    [Theory]
    [InlineData("INSERT INTO \"ReportFigures\" (\"Grain\") VALUES (1) ON CONFLICT (\"Grain\") DO UPDATE SET \"Value\" = excluded.\"Value\"")]
    [InlineData("SELECT [Sequence] FROM [AuditEvents] ORDER BY [Sequence] DESC LIMIT 10")]
    [InlineData("IF NOT EXISTS (SELECT 1) BEGIN EXEC(N'CREATE TABLE [T] ([Id] int NOT NULL,'); END;")]
    [InlineData("IF NOT EXISTS (SELECT 1) BEGIN CREATE TRIGGER [T_AppendOnly] ON [T] INSTEAD OF DELETE AS BEGIN THROW 51000, 'No.', 1; END; END;")]
    [InlineData("MERGE [ReportFigures] AS t USING (VALUES (1)) AS s ([Grain]) ON t.[Grain] = s.[Grain] WHEN MATCHED THEN DELETE")]
    public void TheCheck_FindsWhatSqlServerRefuses(string sql)
    {
        Assert.NotEmpty(TSql.Errors(sql));
    }
}
