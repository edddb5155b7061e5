using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// Bearer tokens by the OAuth 2.0 client-credentials grant (RFC 6749 §4.4): the node's client id and secret are sent
/// to its <see cref="DicomWebOptions.TokenUrl"/> (HTTP basic, §2.3.1), and the access token is kept until a minute
/// before it expires, one per token endpoint, client, secret and scope. Failures are <see cref="DicomWebException"/>s that
/// name the token endpoint and the OAuth error, never the secret.
/// </summary>
public sealed class ClientCredentialsTokenProvider(IHttpClientFactory factory, TimeProvider clock) : IDicomWebTokenProvider
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<(Uri, string, string?, string), (string Token, DateTimeOffset Until)> _tokens = new();

    public async ValueTask<string> GetTokenAsync(DicomWebOptions node, CancellationToken cancellationToken)
    {
        if (node.TokenUrl is null || string.IsNullOrEmpty(node.ClientId) || node.ClientSecret is null)
        {
            throw new DicomWebException($"{node.Describe()} uses bearer tokens: its token URL, client id and client secret must all be set.");
        }

        // The secret is part of the key (hashed): a changed or wrong secret must not be answered from the cache.
        var key = (node.TokenUrl, node.ClientId, node.Scope, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(node.ClientSecret))));
        if (_tokens.TryGetValue(key, out var cached) && clock.GetUtcNow() < cached.Until)
        {
            return cached.Token;
        }

        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (node.Scope is not null)
        {
            form["scope"] = node.Scope;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, node.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{Uri.EscapeDataString(node.ClientId)}:{Uri.EscapeDataString(node.ClientSecret)}")));
        var where = $"token endpoint {node.TokenUrl.GetLeftPart(UriPartial.Path)}";
        HttpResponseMessage response;
        try
        {
            response = await factory.CreateClient(DicomWebRegistration.HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (Exception error) when (error is HttpRequestException or Polly.ExecutionRejectedException)
        {
            throw new DicomWebException($"The {where} could not be reached: {error.Message}", isTransient: true, inner: error);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(body.Length > 0 ? body : "{}").RootElement.Clone();
            }
            catch (JsonException)
            {
                json = default;
            }

            if (!response.IsSuccessStatusCode || json.ValueKind != JsonValueKind.Object
                || !json.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String)
            {
                // RFC 6749 §5.2: error and error_description say why (invalid_client, unauthorized_client, ...).
                var error = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var code) ? code.ToString() : null;
                var description = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error_description", out var text) ? text.ToString() : null;
                throw new DicomWebException(
                    $"The {where} answered {(int)response.StatusCode} {response.ReasonPhrase} without a token"
                    + (error is null ? "." : $": {error}{(description is null ? string.Empty : $" ({description})")}."),
                    response.StatusCode,
                    isTransient: (int)response.StatusCode >= 500);
            }

            var lifetime = json.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.FromMinutes(5);
            var value = token.GetString()!;
            _tokens[key] = (value, clock.GetUtcNow() + lifetime - Margin);
            return value;
        }
    }
}
