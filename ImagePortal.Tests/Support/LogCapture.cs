using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Keeps what a running portal logs (at the levels its configuration lets through: warnings and errors in tests), with
/// exceptions and their stack traces, so a test can report the portal's side of a failure. Attached to the app's
/// logger factory while the test runs; stops recording on dispose.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();
    private volatile bool _stopped;

    private LogCapture()
    {
    }

    public IReadOnlyList<string> Entries => [.. _entries];

    public static LogCapture Attach(IServiceProvider services)
    {
        var capture = new LogCapture();
        services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return capture;
    }

    /// <summary>Records from the start, for what the portal logs while it starts (its configuration checks).</summary>
    public static LogCapture Register(IServiceCollection services)
    {
        var capture = new LogCapture();
        services.AddSingleton<ILoggerProvider>(capture);
        return capture;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => _stopped = true;

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => !owner._stopped && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : Environment.NewLine + exception)}");
            }
        }
    }
}
