using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// An OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4, the client authenticated by HTTP basic) and a QIDO-RS
/// service that requires its bearer token, on 127.0.0.1: a right client id and secret get <see cref="Token"/>, anything
/// else 401 <c>invalid_client</c>; a search with the token gets no match (an empty array), one without it 401.
/// </summary>
public sealed class OAuthQidoStub : IAsyncDisposable
{
    private readonly string _clientId;
    private readonly string _secret;
    private int _tokensIssued;
    private int _searchesAnswered;

    private LoopbackStub _server = null!;

    private OAuthQidoStub(string clientId, string secret, string token)
    {
        _clientId = clientId;
        _secret = secret;
        Token = token;
    }

    public string Token { get; }

    public Uri Root { get; private set; } = null!;

    public Uri TokenUrl { get; private set; } = null!;

    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>Searches that carried the token and were answered.</summary>
    public int SearchesAnswered => Volatile.Read(ref _searchesAnswered);

    public static async Task<OAuthQidoStub> StartAsync(string clientId, string secret, string token, CancellationToken cancellationToken)
    {
        var stub = new OAuthQidoStub(clientId, secret, token);
        stub._server = await LoopbackStub.StartAsync(stub.HandleAsync, cancellationToken);
        stub.Root = stub._server.Url("dicom-web/");
        stub.TokenUrl = stub._server.Url("oauth2/token");
        return stub;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/oauth2/token")
        {
            await TokenAsync(context);
            return;
        }

        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return;
        }

        Interlocked.Increment(ref _searchesAnswered);
        context.Response.ContentType = "application/dicom+json";
        await context.Response.WriteAsync("[]", context.RequestAborted);
    }

    private async Task TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var client = AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header) && header.Scheme == "Basic"
            ? Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter ?? string.Empty))
            : string.Empty;
        context.Response.ContentType = "application/json";
        if (!HttpMethods.IsPost(context.Request.Method) || form["grant_type"] != "client_credentials"
            || client != $"{Uri.EscapeDataString(_clientId)}:{Uri.EscapeDataString(_secret)}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync("""{"error":"invalid_client","error_description":"Client authentication failed."}""", context.RequestAborted);
            return;
        }

        Interlocked.Increment(ref _tokensIssued);
        await context.Response.WriteAsync($$"""{"access_token":"{{Token}}","token_type":"Bearer","expires_in":3600}""", context.RequestAborted);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
