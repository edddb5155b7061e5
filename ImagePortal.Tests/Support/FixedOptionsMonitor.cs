using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Support;

/// <summary>Settings a test chooses for one service it builds itself, without starting a portal with them.</summary>
public sealed class FixedOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
