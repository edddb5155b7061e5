using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A Kestrel server on 127.0.0.1, at a port the OS gives (no other test can take it between choosing and listening),
/// answering every request with one delegate: a node that answers as a test tells it to. Request bodies have no size
/// limit and no minimum rate, so a test decides how the body is read.
/// </summary>
public sealed class LoopbackStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackStub(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Requests received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<LoopbackStub> StartAsync(RequestDelegate answer, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinRequestBodyDataRate = null;
        });
        var stub = new LoopbackStub(builder.Build());
        stub._app.Run(context =>
        {
            Interlocked.Increment(ref stub._requests);
            return answer(context);
        });
        await stub._app.StartAsync(cancellationToken);
        stub.Port = new Uri(stub._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        return stub;
    }

    /// <summary>An address on the stub: <c>http://127.0.0.1:port/</c> and <paramref name="path"/>.</summary>
    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
