using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ImagePortal.Tests.Support;

/// <summary>
/// A plain HTTP client of a running portal, as a browser's form posts would reach it: cookies kept, redirects not followed,
/// and optionally from another loopback address (Linux routes all of 127.0.0.0/8 to lo), so per-address rules can be tested.
/// </summary>
public static partial class PortalHttp
{
    public static HttpClient Client(string baseUrl, string fromAddress = "127.0.0.1", CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(fromAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri(baseUrl) };
    }

    /// <summary>The antiforgery token a page's form carries (and, with it, the antiforgery cookie in the client).</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        var html = await client.GetStringAsync(path, cancellationToken);
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, $"{path} has no form with an antiforgery token.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Posts the sign-in form as the browser would (a success answers with a redirect).</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password, CancellationToken cancellationToken)
    {
        var token = await FormTokenAsync(client, "/Account/Login", cancellationToken);
        return await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        }), cancellationToken);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
