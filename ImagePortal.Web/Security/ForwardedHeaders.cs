using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ImagePortal.Web.Security;

/// <summary>
/// Behind a reverse proxy every request comes from the proxy's address: the audit trail would name the proxy, and one
/// client's wrong passwords would throttle everyone. With <c>Security:KnownProxies</c> the client's address and scheme
/// are read from the proxy's X-Forwarded-For and X-Forwarded-Proto, one hop only, and only from those proxies (a
/// client that sends the headers itself is not believed).
/// </summary>
public static class ForwardedHeaders
{
    public static void Configure(IServiceCollection services, SecuritySettings settings)
    {
        var proxies = settings.KnownProxies.Select(Parse).ToList();
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = 1;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(proxy);
            }
        });
    }

    public static void Use(WebApplication app, SecuritySettings settings)
    {
        if (settings.KnownProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
    }

    private static IPAddress Parse(string value) => IPAddress.TryParse(value.Trim(), out var address)
        ? address
        : throw new InvalidOperationException($"Security:KnownProxies holds '{value}', which is not an IP address. List the proxies' addresses.");
}
