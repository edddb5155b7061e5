using System.Linq.Expressions;
using System.Reflection;
using ImagePortal.Domain.Common;

namespace ImagePortal.Web.Features.Common;

/// <summary>Builds the failed form of a response type that implements <see cref="IFailable{TSelf}"/>.</summary>
internal static class Failures<TResponse>
{
    private static readonly Func<Failure, TResponse>? Factory = CreateFactory();

    public static bool IsSupported => Factory is not null;

    public static TResponse Create(FailureKind kind, string message) =>
        Factory is not null
            ? Factory(new Failure(kind, message))
            : throw new InvalidOperationException($"{typeof(TResponse)} cannot carry a failure; use Result or Result<T>.");

    private static Func<Failure, TResponse>? CreateFactory()
    {
        if (!typeof(IFailable<TResponse>).IsAssignableFrom(typeof(TResponse)))
        {
            return null;
        }

        var method = typeof(TResponse).GetMethod(
            nameof(Result.FromFailure), BindingFlags.Public | BindingFlags.Static, [typeof(Failure)])!;
        var parameter = Expression.Parameter(typeof(Failure));
        return Expression.Lambda<Func<Failure, TResponse>>(Expression.Call(method, parameter), parameter).Compile();
    }
}
