using Npgsql;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A real PostgreSQL server: Debian's <c>postgres</c> (package <c>postgresql</c>) with a cluster of its own in a temp
/// folder, listening on 127.0.0.1 on a free port, trust authentication for the <c>postgres</c> user only from there.
/// PostgreSQL refuses to run as root: under root (as on CI) the cluster belongs to the <c>postgres</c> system user and
/// the server runs as that user (<c>setpriv</c> executes it in place, so the process the test kills is the server).
/// Durability is switched off (fsync, synchronous commit): the tests need the server's semantics, not its crash safety.
/// A test class asks for a fresh database of the run's one shared server (<see cref="CreateTestDatabaseAsync"/>), not
/// for a server of its own: initdb and a start cost seconds per class, a CREATE DATABASE a fraction of one.
/// </summary>
public sealed class PostgresPeer : IAsyncDisposable
{
    /// <summary>
    /// Started on first use, so a run without PostgreSQL tests never starts it; stopped when the test host exits
    /// (<see cref="StartSharedAsync"/>). Not cancellable by the test that happens to start it: the others wait on it too.
    /// </summary>
    private static readonly Lazy<Task<PostgresPeer>> Shared = new(StartSharedAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private static int _databases;

    private readonly PeerProcess _process;
    private readonly TempDirectory _folder;

    private PostgresPeer(PeerProcess process, TempDirectory folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database,
            // Many web and worker nodes in one test: each has a pool of its own.
            MaxPoolSize = 20, Timeout = 15, CommandTimeout = 60,
        }.ConnectionString;

    /// <summary>
    /// A fresh, empty database on the test run's shared server, dropped (with its connections) when disposed. Each
    /// fixture gets its own, so test classes running in parallel see only their own rows, as with a SQLite file each.
    /// </summary>
    public static Task<PostgresTestDatabase> CreateTestDatabaseAsync(CancellationToken cancellationToken = default) =>
        CreateTestDatabaseAsync(null, cancellationToken);

    /// <summary>
    /// A fresh database as <see cref="CreateTestDatabaseAsync(CancellationToken)"/> makes, collating text by
    /// <paramref name="locale"/> rather than by the server's C locale (as a server set up on a machine whose locale is,
    /// say, en_US.UTF-8 does by default).
    /// </summary>
    public static async Task<PostgresTestDatabase> CreateTestDatabaseAsync(PostgresLocale? locale, CancellationToken cancellationToken = default)
    {
        var server = await Shared.Value.WaitAsync(cancellationToken);
        var name = $"test{Interlocked.Increment(ref _databases)}";
        var connectionString = await server.CreateDatabaseAsync(name, locale, cancellationToken);
        return new PostgresTestDatabase(server, name, connectionString);
    }

    private static async Task<PostgresPeer> StartSharedAsync()
    {
        var server = await StartAsync(CancellationToken.None);
        // PeerProcess kills the server at exit as it kills every peer; this also removes the cluster's folder.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(15));
        return server;
    }

    /// <summary>A server of its own, for a test that must stop or break it; other tests use <see cref="CreateTestDatabaseAsync"/>.</summary>
    /// <param name="pickPort">Where its port comes from (<see cref="FreePort.Next"/>); a test of <see cref="PortRetry"/> hands out a taken one.</param>
    public static async Task<PostgresPeer> StartAsync(CancellationToken cancellationToken = default, Func<int>? pickPort = null)
    {
        var bin = FindBinDirectory();
        var folder = new TempDirectory("postgres");
        try
        {
            var data = folder.Combine("data");
            var sockets = folder.Combine("sockets");
            Directory.CreateDirectory(data);
            Directory.CreateDirectory(sockets);
            var asRoot = Environment.UserName == "root";
            if (asRoot)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", folder.Path], folder.Path, cancellationToken);
            }

            var (initdbFile, initdbArgs) = AsServerUser(asRoot, Path.Combine(bin, "initdb"),
                ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
            await RunAsync(initdbFile, initdbArgs, folder.Path, cancellationToken);

            return await PortRetry.StartAsync("PostgreSQL", 1, async (ports, ct) =>
            {
                var port = ports[0];
                var (postgresFile, postgresArgs) = AsServerUser(asRoot, Path.Combine(bin, "postgres"),
                [
                    "-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", sockets,
                    "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off", "-c", "max_connections=500", "-c", "shared_buffers=64MB",
                ]);
                var process = PeerProcess.Start(postgresFile, postgresArgs, folder.Path);
                var peer = new PostgresPeer(process, folder, port);
                try
                {
                    // Its own listener first: a server another test run started on this port would answer as well.
                    await process.WaitForListeningAsync(port, TimeSpan.FromSeconds(30), ct);
                    await process.WaitUntilAsync(async c => await peer.AcceptsQueriesAsync(c), $"PostgreSQL on port {port}", TimeSpan.FromSeconds(30), ct);
                    return peer;
                }
                catch
                {
                    // Not the peer's DisposeAsync: it would delete the cluster the next attempt starts on.
                    await process.DisposeAsync();
                    throw;
                }
            }, cancellationToken, pickPort);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Creates an empty database (collating by <paramref name="locale"/> when given) and returns the connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string name, PostgresLocale? locale = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(cancellationToken);
        // A locale other than the template's needs template0 (template1 may hold text sorted by the old one).
        var sql = locale is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE template0 {locale.Clause}";
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException error) when (locale is not null && error.MessageText.Contains("locale", StringComparison.OrdinalIgnoreCase))
        {
            ExternalTools.Unavailable($"PostgreSQL cannot collate by {locale.Name} ({error.MessageText}): {locale.Install}.");
        }

        return ConnectionString(name);
    }

    /// <summary>Drops <paramref name="name"/>, ending the sessions still connected to it (PostgreSQL 13 and later).</summary>
    internal async Task DropDatabaseAsync(string name, string connectionString)
    {
        // This process's idle pooled connections to it would otherwise be broken ones, kept until they are pruned.
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _process.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<bool> AcceptsQueriesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString());
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            return await command.ExecuteScalarAsync(cancellationToken) is 1;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "postgres")) && File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        if (bin is null)
        {
            ExternalTools.Unavailable("PostgreSQL's server is missing (/usr/lib/postgresql/*/bin/postgres): install it with 'apt-get install postgresql'.");
        }

        return bin!;
    }

    private static (string File, string[] Arguments) AsServerUser(bool asRoot, string program, string[] arguments) =>
        asRoot
            ? (ExternalTools.Require("setpriv", "util-linux"), ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program, .. arguments])
            : (program, arguments);

    private static async Task RunAsync(string file, string[] arguments, string folder, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await PeerProcess.RunAsync(file, arguments, folder, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({exitCode}):\n{output}");
        }
    }
}

/// <summary>How a test database collates text; <see cref="Clause"/> is what CREATE DATABASE is told.</summary>
/// <param name="Install">What to do where the server cannot collate so.</param>
public sealed record PostgresLocale(string Name, string Clause, string Install)
{
    /// <summary>The operating system's (glibc's) en_US.UTF-8, the default of a server set up on an English-speaking machine.</summary>
    public static readonly PostgresLocale EnUsLibc = new(
        "glibc's en_US.UTF-8", "LOCALE 'en_US.UTF-8'", "install the package 'locales' and generate en_US.UTF-8 (see .ci/run)");

    /// <summary>ICU's en-US, which PostgreSQL brings along (Debian builds it with ICU): no locale of the operating system needed.</summary>
    public static readonly PostgresLocale EnUsIcu = new(
        "ICU's en-US", "LOCALE_PROVIDER icu ICU_LOCALE 'en-US'", "use a PostgreSQL built with ICU (Debian's is)");

    public override string ToString() => Name;
}

/// <summary>A database of its own on the test run's shared PostgreSQL server (<see cref="PostgresPeer.CreateTestDatabaseAsync"/>).</summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly PostgresPeer _server;
    private readonly string _name;

    internal PostgresTestDatabase(PostgresPeer server, string name, string connectionString)
    {
        _server = server;
        _name = name;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public async ValueTask DisposeAsync() => await _server.DropDatabaseAsync(_name, ConnectionString);
}
