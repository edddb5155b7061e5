namespace ImagePortal.Domain.Common;

/// <summary>Why a use case did not succeed; pages turn each into a message, never into a stack trace.</summary>
public enum FailureKind
{
    /// <summary>The thing does not exist, or the caller may not know that it does (other facilities' data).</summary>
    NotFound,

    /// <summary>The caller's role does not allow the action.</summary>
    Forbidden,

    /// <summary>The input broke a rule; the message says which.</summary>
    Invalid,

    /// <summary>Someone else changed the thing first.</summary>
    Conflict,

    /// <summary>A peer (PACS, mail server) could not be reached.</summary>
    Unavailable,
}

public sealed record Failure(FailureKind Kind, string Message);

/// <summary>Any use-case outcome: success, or a failure the page can show.</summary>
public interface IOutcome
{
    Failure? Failure { get; }
}

/// <summary>Lets generic code (pipeline behaviours) build the failed form of any result type.</summary>
public interface IFailable<out TSelf> : IOutcome
{
    static abstract TSelf FromFailure(Failure failure);
}

/// <summary>The outcome of a use case that returns nothing on success.</summary>
public sealed class Result : IFailable<Result>
{
    private static readonly Result SuccessInstance = new(null);

    private Result(Failure? failure) => Failure = failure;

    public Failure? Failure { get; }

    public bool IsSuccess => Failure is null;

    public static Result Success() => SuccessInstance;

    public static Result Fail(FailureKind kind, string message) => new(new Failure(kind, message));

    public static Result FromFailure(Failure failure) => new(failure);

    public static Result NotFound(string message = "Not found.") => Fail(FailureKind.NotFound, message);

    public static Result Invalid(string message) => Fail(FailureKind.Invalid, message);

    public static Result Conflict(string message) => Fail(FailureKind.Conflict, message);
}

/// <summary>The outcome of a use case that returns a <typeparamref name="T"/> on success.</summary>
public sealed class Result<T> : IFailable<Result<T>>
{
    private Result(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    /// <summary>The value; only meaningful when <see cref="IsSuccess"/>.</summary>
    public T? Value { get; }

    public Failure? Failure { get; }

    public bool IsSuccess => Failure is null;

    public static Result<T> Success(T value) => new(value, null);

    public static Result<T> Fail(FailureKind kind, string message) => new(default, new Failure(kind, message));

    public static Result<T> FromFailure(Failure failure) => new(default, failure);

    public static Result<T> NotFound(string message = "Not found.") => Fail(FailureKind.NotFound, message);

    public static Result<T> Invalid(string message) => Fail(FailureKind.Invalid, message);

    public static implicit operator Result<T>(T value) => Success(value);
}

/// <summary>One page of a list that is paged on the server.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int TotalCount, int PageIndex, int PageSize);
