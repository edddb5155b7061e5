using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Web;

/// <summary>
/// A value with CR/LF in it (a user name typed at sign-in) must not forge a line of the console log
/// (RELIABILITY_CHECKLIST 33): outside Development the console writes one JSON object per event.
/// </summary>
public sealed class ConsoleLoggingTests(ConsoleLoggingTests.App app) : IClassFixture<ConsoleLoggingTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public PortalApp Portal { get; } = new(startServer: false);

        public ValueTask InitializeAsync() => Portal.InitializeAsync();

        public ValueTask DisposeAsync() => Portal.DisposeAsync();
    }

    [Fact]
    public void OutsideDevelopment_TheConsoleWritesJson()
    {
        var options = app.Portal.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;

        Assert.Equal(ConsoleFormatterNames.Json, options.FormatterName);
    }

    [Fact]
    public void AValueWithCrLf_StaysOnOneLine()
    {
        var name = app.Portal.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName
                   ?? ConsoleFormatterNames.Simple;
        var formatter = app.Portal.Services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
        const string userName = "mallory\r\ninfo: ImagePortal.Web.Account[0] User admin.nvh signed in";
        IReadOnlyList<KeyValuePair<string, object?>> state =
        [
            new("UserName", userName),
            new("{OriginalFormat}", "Sign-in failed for {UserName}"),
        ];
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(
            LogLevel.Warning, "ImagePortal.Web.Account", new EventId(0), state, null, (_, _) => $"Sign-in failed for {userName}");
        using var output = new StringWriter();

        formatter.Write(entry, new LoggerExternalScopeProvider(), output);

        var written = output.ToString().TrimEnd('\r', '\n');
        Assert.DoesNotContain('\n', written);
        Assert.DoesNotContain('\r', written);
        Assert.Contains("mallory", written);
    }
}
