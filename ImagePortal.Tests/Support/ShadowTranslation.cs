using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.ExceptionServices;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Storage;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Every LINQ query the portal compiles in a test is also translated by Entity Framework's other providers, which need
/// no server to translate: SQL Server's (which no test here can run) for a query on SQLite or PostgreSQL, PostgreSQL's
/// for a query on SQLite (most tests run on SQLite only). A query that another provider could not run (a method it has
/// no translation for) fails the test that ran it, as it would fail the page on such an installation. The query is
/// translated and shaped, never executed, once per query shape (Entity Framework compiles a shape once and caches it).
/// </summary>
public sealed class ShadowTranslation : IQueryExpressionInterceptor
{
    public static ShadowTranslation Instance { get; } = new();

    private static readonly MethodInfo CompileQuery = typeof(IDatabase).GetMethod(nameof(IDatabase.CompileQuery))!;

    private static readonly DbContextOptions<SqlServerImagePortalDbContext> SqlServer = new DbContextOptionsBuilder<SqlServerImagePortalDbContext>()
        .UseSqlServer("Server=127.0.0.1,1;Database=none;TrustServerCertificate=True", sql => sql.UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
        .Options;

    private static readonly DbContextOptions<PostgreSqlImagePortalDbContext> PostgreSql = new DbContextOptionsBuilder<PostgreSqlImagePortalDbContext>()
        .UseNpgsql("Host=127.0.0.1;Port=1;Database=none", sql => sql.UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
        .Options;

    private ShadowTranslation()
    {
    }

    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData)
    {
        if (eventData.Context is SqliteImagePortalDbContext)
        {
            Translate(queryExpression, "PostgreSQL", () => new PostgreSqlImagePortalDbContext(PostgreSql));
        }

        if (eventData.Context is SqliteImagePortalDbContext or PostgreSqlImagePortalDbContext)
        {
            Translate(queryExpression, "SQL Server", () => new SqlServerImagePortalDbContext(SqlServer));
        }

        return queryExpression;
    }

    /// <summary>Translates <paramref name="query"/> (compiled for another provider) for <paramref name="provider"/>; throws when it cannot.</summary>
    private static void Translate(Expression query, string provider, Func<ImagePortalDbContext> context)
    {
        using var db = context();
        var retargeted = new Retarget(db.Model).Visit(query);
        var result = retargeted.Type.IsGenericType && typeof(IQueryable).IsAssignableFrom(retargeted.Type)
            ? typeof(IEnumerable<>).MakeGenericType(retargeted.Type.GetGenericArguments()[0])
            : retargeted.Type;
        try
        {
            CompileQuery.MakeGenericMethod(result).Invoke(db.GetService<IDatabase>(), [retargeted, false]);
        }
        catch (TargetInvocationException error) when (error.InnerException is InvalidOperationException refusal)
        {
            throw new InvalidOperationException($"{provider}'s provider cannot translate a query the portal runs: {refusal.Message}", refusal);
        }
        catch (TargetInvocationException error) when (error.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
        }
    }

    /// <summary>The query's roots, entity types of one provider's model, as the same entity types of another's.</summary>
    private sealed class Retarget(IModel model) : ExpressionVisitor
    {
        protected override Expression VisitExtension(Expression node) => node is EntityQueryRootExpression root && root.GetType() == typeof(EntityQueryRootExpression)
            ? new EntityQueryRootExpression(model.FindEntityType(root.EntityType.Name)
                ?? throw new InvalidOperationException($"The other provider's model has no entity type {root.EntityType.Name}."))
            : base.VisitExtension(node);
    }
}
