using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Storage;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Every LINQ query the portal compiles on the test's own database (SQLite, PostgreSQL) is also translated by Entity
/// Framework's SQL Server provider, which needs no server to translate: a query that SQL Server could not run (a method
/// it has no translation for) fails the test that ran it, as it would fail the page on a SQL Server installation. The
/// query is translated, not executed: it goes to SQL Server's translation and shaping the way the portal's own would,
/// once per query shape (Entity Framework compiles a shape once and caches it).
/// </summary>
public sealed class SqlServerShadowTranslation : IQueryExpressionInterceptor
{
    public static SqlServerShadowTranslation Instance { get; } = new();

    private static readonly DbContextOptions<SqlServerImagePortalDbContext> Options = new DbContextOptionsBuilder<SqlServerImagePortalDbContext>()
        .UseSqlServer("Server=127.0.0.1,1;Database=none;TrustServerCertificate=True", sql => sql.UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
        .Options;

    private static readonly MethodInfo CompileQuery = typeof(IDatabase).GetMethod(nameof(IDatabase.CompileQuery))!;

    /// <summary>How many query shapes were translated for SQL Server so far (for a test that the shadow runs at all).</summary>
    public int Translated => _translated;

    /// <summary>The queries SQL Server's provider could not translate, with its reason.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    private int _translated;

    private SqlServerShadowTranslation()
    {
    }

    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData)
    {
        if (eventData.Context is not SqlServerImagePortalDbContext)
        {
            Translate(queryExpression);
        }

        return queryExpression;
    }

    /// <summary>Translates <paramref name="query"/> (a query compiled for another provider) for SQL Server; throws when it cannot.</summary>
    public void Translate(Expression query)
    {
        using var db = new SqlServerImagePortalDbContext(Options);
        var retargeted = new Retarget(db.Model).Visit(query);
        var result = retargeted.Type.IsGenericType && typeof(IQueryable).IsAssignableFrom(retargeted.Type)
            ? typeof(IEnumerable<>).MakeGenericType(retargeted.Type.GetGenericArguments()[0])
            : retargeted.Type;
        try
        {
            CompileQuery.MakeGenericMethod(result).Invoke(db.GetService<IDatabase>(), [retargeted, false]);
            Interlocked.Increment(ref _translated);
        }
        catch (TargetInvocationException error) when (error.InnerException is InvalidOperationException refusal)
        {
            var message = $"SQL Server's provider cannot translate a query the portal runs: {refusal.Message}";
            Refused.Enqueue(message);
            throw new InvalidOperationException(message, refusal);
        }
    }

    /// <summary>The query's roots, entity types of the other provider's model, as the same entity types of SQL Server's.</summary>
    private sealed class Retarget(IModel model) : ExpressionVisitor
    {
        protected override Expression VisitExtension(Expression node) => node is EntityQueryRootExpression root && root.GetType() == typeof(EntityQueryRootExpression)
            ? new EntityQueryRootExpression(model.FindEntityType(root.EntityType.Name)
                ?? throw new InvalidOperationException($"SQL Server's model has no entity type {root.EntityType.Name}."))
            : base.VisitExtension(node);
    }
}
