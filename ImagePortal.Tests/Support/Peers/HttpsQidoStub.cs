using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A Kestrel HTTPS server on 127.0.0.1 with a certificate of a test CA, answering every QIDO-RS search with no match
/// (an empty DICOM JSON array): enough for a connection test to succeed once the TLS handshake does.
/// </summary>
public sealed class HttpsQidoStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpsQidoStub(WebApplication app, int port)
    {
        _app = app;
        Root = new Uri($"https://127.0.0.1:{port}/dicom-web/");
    }

    public Uri Root { get; }

    public static async Task<HttpsQidoStub> StartAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.ContentType = "application/dicom+json";
            return context.Response.WriteAsync("[]", context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        // Port 0 above: the OS gave one nobody holds.
        return new HttpsQidoStub(app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
