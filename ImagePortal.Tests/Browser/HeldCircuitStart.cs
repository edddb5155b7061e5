using Microsoft.Playwright;

namespace ImagePortal.Tests.Browser;

/// <summary>Forwards a page's circuit connection, but holds the server's messages back from the moment the page has
/// asked it to start the circuit until <see cref="Release"/>.</summary>
internal sealed class HeldCircuitStart : IDisposable
{
    private static readonly byte[] StartCircuit = "StartCircuit"u8.ToArray();
    private readonly Lock _gate = new();
    private readonly List<(IWebSocketRoute To, IWebSocketFrame Frame)> _held = [];
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _released;

    public Task Requested => _requested.Task;

    public void Route(IWebSocketRoute page)
    {
        var server = page.ConnectToServer();
        page.OnMessage(frame =>
        {
            Forward(server, frame);
            if (frame.Binary is { } bytes && bytes.AsSpan().IndexOf(StartCircuit) >= 0)
            {
                _requested.TrySetResult();
            }
        });
        server.OnMessage(frame =>
        {
            lock (_gate)
            {
                if (_requested.Task.IsCompleted && !_released)
                {
                    _held.Add((page, frame));
                    return;
                }
            }

            Forward(page, frame);
        });
    }

    public void Release()
    {
        lock (_gate)
        {
            _released = true;
            foreach (var (to, frame) in _held)
            {
                Forward(to, frame);
            }

            _held.Clear();
        }
    }

    public void Dispose() => Release();

    private static void Forward(IWebSocketRoute to, IWebSocketFrame frame)
    {
        if (frame.Binary is { } bytes)
        {
            to.Send(bytes);
        }
        else
        {
            to.Send(frame.Text ?? string.Empty);
        }
    }
}
