using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Infrastructure.Data;

/// <summary>
/// A lock over every node of an installation, held on a connection of its own until disposed: for work that two nodes
/// must not do at once, such as migrating and seeding an empty database when several start together (two PostgreSQL
/// nodes migrating at once failed on "relation already exists"). PostgreSQL holds a session advisory lock, SQL Server a
/// session application lock. SQLite needs none: Entity Framework's migrations take their own lock there, and a SQLite
/// transaction holds the file's write lock from its start (the seed runs in one).
/// </summary>
public sealed class InstallationLock : IAsyncDisposable
{
    private readonly ImagePortalDbContext? _db;
    private readonly string _name;

    private InstallationLock(ImagePortalDbContext? db, string name)
    {
        _db = db;
        _name = name;
    }

    /// <summary>Waits until this node holds the lock named <paramref name="name"/> (as long as another node holds it).</summary>
    public static async Task<InstallationLock> TakeAsync(IDbContextFactory<ImagePortalDbContext> dbFactory, string name, CancellationToken cancellationToken)
    {
        var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        try
        {
            if (db.Database.IsNpgsql())
            {
                await db.Database.OpenConnectionAsync(cancellationToken);
                // hashtextextended (PostgreSQL 11 on): a stable 64-bit key for the name.
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock(hashtextextended({name}, 0))", cancellationToken);
                return new InstallationLock(db, name);
            }

            if (db.Database.IsSqlServer())
            {
                await db.Database.OpenConnectionAsync(cancellationToken);
                // A negative result is a deadlock victim or a refusal: raised, for the start to fail rather than go on unserialized.
                await db.Database.ExecuteSqlAsync(
                    $"""
                    DECLARE @result int;
                    EXEC @result = sp_getapplock @Resource = {name}, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = -1;
                    IF @result < 0 THROW 51000, 'Could not take the installation lock.', 1;
                    """,
                    cancellationToken);
                return new InstallationLock(db, name);
            }

            await db.DisposeAsync();
            return new InstallationLock(null, name);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_db is null)
        {
            return;
        }

        try
        {
            // Closing the connection would end the session's lock only once the pool closed it: let go of it at once.
            if (_db.Database.IsNpgsql())
            {
                await _db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock(hashtextextended({_name}, 0))");
            }
            else
            {
                await _db.Database.ExecuteSqlAsync($"EXEC sp_releaseapplock @Resource = {_name}, @LockOwner = 'Session'");
            }
        }
        catch (DbException)
        {
            // The connection is gone, and the session's lock with it.
        }
        finally
        {
            await _db.DisposeAsync();
        }
    }
}
