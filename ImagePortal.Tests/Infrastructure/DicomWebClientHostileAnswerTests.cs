using System.Net;
using System.Text;
using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>
/// <see cref="DicomWebClient"/> against a small Kestrel stub on 127.0.0.1 that answers badly on purpose: each bad answer
/// is a <see cref="DicomWebException"/> that says what was wrong, instances already received stay received, transient
/// failures are retried and refusals are not.
/// </summary>
public sealed class DicomWebClientHostileAnswerTests : IAsyncLifetime
{
    private const string StudyUid = "1.2.3.4";
    private WebApplication _stub = null!;
    private Func<HttpContext, Task> _answer = _ => Task.CompletedTask;
    private int _requests;
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddDicomWebClient(o => o.RetryDelay = TimeSpan.FromMilliseconds(20))
        .BuildServiceProvider();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Root { get; set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Port 0: the OS gives one nobody holds, read back once it listens.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _stub = builder.Build();
        _stub.Run(context =>
        {
            Interlocked.Increment(ref _requests);
            return _answer(context);
        });
        await _stub.StartAsync(Ct);
        var port = new Uri(_stub.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        Root = new Uri($"http://127.0.0.1:{port}/dicom-web/");
    }

    public async ValueTask DisposeAsync()
    {
        await _stub.DisposeAsync();
        await _services.DisposeAsync();
    }

    private DicomWebClient Client(Func<DicomWebOptions, DicomWebOptions>? change = null) =>
        _services.GetRequiredService<DicomWebClients>().For((change ?? (o => o))(new DicomWebOptions { BaseUrl = Root }));

    private async Task<(int Count, List<byte[]> Parts)> RetrieveAsync(DicomWebClient client)
    {
        var parts = new List<byte[]>();
        var count = await client.RetrieveAsync(StudyUid, null, null, async (part, ct) =>
        {
            using var copy = new MemoryStream();
            await part.Body.CopyToAsync(copy, ct);
            parts.Add(copy.ToArray());
        }, Ct);
        return (count, parts);
    }

    private static async Task WriteMultipartAsync(HttpContext context, string boundary, params (string Type, byte[] Body)[] parts)
    {
        context.Response.ContentType = $"multipart/related; type=\"application/dicom\"; boundary={boundary}";
        foreach (var (type, body) in parts)
        {
            await context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: {type}\r\n\r\n"));
            await context.Response.Body.WriteAsync(body);
            await context.Response.Body.WriteAsync("\r\n"u8.ToArray());
        }

        await context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
    }

    private static byte[] Bytes(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    [Fact]
    public async Task Retrieve_AWellFormedAnswer_HandsOverEachPartWhole()
    {
        _answer = context => WriteMultipartAsync(context, "b1", ("application/dicom; transfer-syntax=1.2.840.10008.1.2.1", Bytes(3000, 1)), ("application/dicom", Bytes(10, 2)));

        var (count, parts) = await RetrieveAsync(Client());

        Assert.Equal(2, count);
        Assert.Equal([Bytes(3000, 1), Bytes(10, 2)], parts);
    }

    [Fact]
    public async Task Retrieve_APartThatIsNotDicom_IsRefused_AfterKeepingTheOnesBefore()
    {
        _answer = context => WriteMultipartAsync(context, "b2", ("application/dicom", Bytes(100, 1)), ("text/html", "<html>login</html>"u8.ToArray()));
        var parts = new List<int>();

        var error = await Assert.ThrowsAsync<DicomWebException>(() => Client().RetrieveAsync(StudyUid, null, null, async (part, ct) =>
        {
            await part.Body.CopyToAsync(Stream.Null, ct);
            parts.Add(part.Index);
        }, Ct));

        Assert.Equal([0], parts);
        Assert.Contains("part 2 is text/html, not application/dicom", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 instance(s) had arrived", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrieve_MalformedMultipart_WithoutItsBoundary_IsAClearError()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "multipart/related; type=\"application/dicom\"; boundary=expected";
            await context.Response.Body.WriteAsync("--other\r\nContent-Type: application/dicom\r\n\r\nDICM\r\n--other--\r\n"u8.ToArray());
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => RetrieveAsync(Client()));

        Assert.Contains("broke off or is malformed after 0 whole instance(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrieve_WrongContentType_IsRefused()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>Sign in</html>");
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => RetrieveAsync(Client()));

        Assert.Contains("answered text/html, not multipart/related", error.Message, StringComparison.Ordinal);
        _answer = async context =>
        {
            context.Response.ContentType = "multipart/related; type=\"application/dicom+json\"; boundary=x";
            await context.Response.WriteAsync("--x--\r\n");
        };
        error = await Assert.ThrowsAsync<DicomWebException>(() => RetrieveAsync(Client()));
        Assert.Contains("not of application/dicom", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrieve_ATruncatedStream_FailsTransiently_AfterTheWholeInstancesBeforeIt()
    {
        // The stub breaks the connection only once the first instance is in: a reset may discard data not yet read.
        var firstIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _answer = async context =>
        {
            context.Response.ContentType = "multipart/related; type=\"application/dicom\"; boundary=t";
            context.Response.ContentLength = 100_000;
            await context.Response.Body.WriteAsync("--t\r\nContent-Type: application/dicom\r\n\r\n"u8.ToArray());
            await context.Response.Body.WriteAsync(Bytes(500, 7));
            await context.Response.Body.WriteAsync("\r\n--t\r\nContent-Type: application/dicom\r\n\r\n"u8.ToArray());
            await context.Response.Body.FlushAsync();
            await firstIn.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.Body.WriteAsync(Bytes(2000, 8));
            await context.Response.Body.FlushAsync();
            context.Abort();
        };
        var whole = new List<int>();

        var error = await Assert.ThrowsAsync<DicomWebException>(() => Client().RetrieveAsync(StudyUid, null, null, async (part, ct) =>
        {
            await part.Body.CopyToAsync(Stream.Null, ct);
            whole.Add(part.Index);
            firstIn.TrySetResult();
        }, Ct));

        Assert.Equal([0], whole);
        Assert.True(error.IsTransient);
        Assert.Contains("instance 2 (after 1 whole instance(s))", error.Message, StringComparison.Ordinal);
        Assert.Contains("broke off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrieve_OversizedInstance_OrAnswer_IsRefused()
    {
        _answer = context => WriteMultipartAsync(context, "o", ("application/dicom", Bytes(5000, 3)));

        var instance = await Assert.ThrowsAsync<DicomWebException>(() => RetrieveAsync(Client(o => o with { MaxInstanceBytes = 4096 })));
        var answer = await Assert.ThrowsAsync<DicomWebException>(() => RetrieveAsync(Client(o => o with { MaxRetrieveBytes = 4096 })));

        Assert.Contains("larger than the 4,096 bytes allowed", instance.Message, StringComparison.Ordinal);
        Assert.Contains("larger than the 4,096 bytes allowed", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qido_OversizedAnswer_IsRefused_AndWrongContentType_Too()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "application/dicom+json";
            await context.Response.WriteAsync("[" + string.Join(",", Enumerable.Repeat("""{"00100020":{"vr":"LO","Value":["x"]}}""", 200)) + "]");
        };

        var oversized = await Assert.ThrowsAsync<DicomWebException>(async () =>
            await Client(o => o with { MaxJsonBytes = 1000 }).SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));
        Assert.Contains("larger than the 1,000 bytes allowed", oversized.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await Client().SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct)).Count);

        _answer = async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html/>");
        };
        var wrong = await Assert.ThrowsAsync<DicomWebException>(async () => await Client().SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));
        Assert.Contains("answered text/html, not application/dicom+json", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedirectToAnotherHost_IsRefused_NotFollowed()
    {
        _answer = context =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = "http://evil.example/dicom-web/studies";
            return Task.CompletedTask;
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(async () => await Client().SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));

        Assert.Equal(HttpStatusCode.Found, error.StatusCode);
        Assert.Contains("another host (http://evil.example)", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not follow redirects", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _requests);
    }

    [Fact]
    public async Task ServiceUnavailable_ThenAnAnswer_IsRetried_ButARefusalIsNot()
    {
        _answer = async context =>
        {
            if (_requests == 1)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            context.Response.ContentType = "application/dicom+json";
            await context.Response.WriteAsync("""[{"0020000D":{"vr":"UI","Value":["1.2.3.4"]}}]""");
        };

        var studies = await Client().SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct);

        Assert.Equal("1.2.3.4", Assert.Single(studies).GetUid(DicomTag.StudyInstanceUID));
        Assert.Equal(2, _requests);

        _requests = 0;
        _answer = async context =>
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("unknown query key Foo");
        };
        var error = await Assert.ThrowsAsync<DicomWebException>(async () => await Client().SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));
        Assert.Equal(1, _requests);
        Assert.False(error.IsTransient);
        Assert.Contains("400", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown query key Foo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BearerToken_IsSent_AndQueryValuesAreEscaped()
    {
        await using var services = new ServiceCollection()
            .AddDicomWebClient()
            .AddSingleton<IDicomWebTokenProvider>(new FixedToken("t0k3n"))
            .BuildServiceProvider();
        string? authorization = null;
        string? query = null;
        _answer = context =>
        {
            authorization = context.Request.Headers.Authorization;
            query = context.Request.QueryString.Value;
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        };
        var client = services.GetRequiredService<DicomWebClients>().For(new DicomWebOptions { BaseUrl = Root, Authentication = DicomWebAuthentication.Bearer });

        var none = await client.SearchStudiesAsync(new DicomWebQuery { Match = new Dictionary<string, string> { ["PatientName"] = "Doe*&limit=1" }, IncludeFields = ["00081030"] }, Ct).ToListAsync(Ct);

        Assert.Empty(none);
        Assert.Equal("Bearer t0k3n", authorization);
        Assert.Equal("?PatientName=Doe*%26limit%3D1&includefield=00081030", query);
    }

    [Fact]
    public async Task Stow_AnswerWithWarningsAndFailures_GivesEachInstanceItsOutcome()
    {
        var seen = new List<string>();
        _answer = async context =>
        {
            Assert.StartsWith("multipart/related; type=\"application/dicom\"", context.Request.ContentType, StringComparison.Ordinal);
            var boundary = context.Request.ContentType!.Split("boundary=")[1];
            var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, context.Request.Body);
            while (await reader.ReadNextSectionAsync() is { } section)
            {
                seen.Add(new StreamReader(section.Body).ReadToEnd());
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentType = "application/dicom+json";
            await context.Response.WriteAsync("""
                {"00081198":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2.3"]},"00081197":{"vr":"US","Value":[43264]}}]},
                 "00081199":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2.1"]}},
                                                {"00081155":{"vr":"UI","Value":["1.2.2"]},"00081196":{"vr":"US","Value":[45056]}}]}}
                """);
        };
        StowInstance Part(string uid) => new("1.2.840.10008.5.1.4.1.1.7", uid, uid.Length, () => new MemoryStream(Encoding.ASCII.GetBytes(uid)));

        var outcomes = await Client().StoreAsync([Part("1.2.1"), Part("1.2.2"), Part("1.2.3"), Part("1.2.4")], cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal(["1.2.1", "1.2.2", "1.2.3", "1.2.4"], seen);
        Assert.Equal([StowStatus.Stored, StowStatus.StoredWithWarning, StowStatus.Failed, StowStatus.Unconfirmed], outcomes.Select(o => o.Status));
        Assert.Equal("elements were coerced (0xB000)", outcomes[1].Reason);
        Assert.Equal("data set does not match the SOP class (0xA900)", outcomes[2].Reason);
    }

    [Fact]
    public async Task ClientCredentials_TokenIsFetchedOnce_RenewedWhenItExpires_AndARefusalSaysWhy()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var services = new ServiceCollection()
            .AddDicomWebClient()
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<IDicomWebTokenProvider, ClientCredentialsTokenProvider>()
            .BuildServiceProvider();
        var issued = 0;
        var bearers = new List<string?>();
        _answer = async context =>
        {
            if (context.Request.Path == "/token")
            {
                var form = await context.Request.ReadFormAsync();
                var basic = Encoding.UTF8.GetString(Convert.FromBase64String(context.Request.Headers.Authorization.ToString()["Basic ".Length..]));
                context.Response.ContentType = "application/json";
                if (basic != "portal:s3cret" || form["grant_type"] != "client_credentials" || form["scope"] != "dicom/.default")
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await context.Response.WriteAsync("""{"error":"invalid_client","error_description":"bad secret"}""");
                    return;
                }

                issued++;
                await context.Response.WriteAsync("{\"access_token\":\"token-" + issued + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
                return;
            }

            bearers.Add(context.Request.Headers.Authorization);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        };
        var node = new DicomWebOptions
        {
            BaseUrl = Root,
            Authentication = DicomWebAuthentication.Bearer,
            TokenUrl = new Uri(Root, "/token"),
            ClientId = "portal",
            ClientSecret = "s3cret",
            Scope = "dicom/.default",
        };
        var client = services.GetRequiredService<DicomWebClients>().For(node);

        await client.SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct);
        await client.SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct);
        clock.Advance(TimeSpan.FromMinutes(59));
        await client.SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct);

        Assert.Equal(["Bearer token-1", "Bearer token-1", "Bearer token-2"], bearers);

        var refused = services.GetRequiredService<DicomWebClients>().For(node with { ClientSecret = "wrong" });
        var error = await Assert.ThrowsAsync<DicomWebException>(async () => await refused.SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("invalid_client (bad secret)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", error.Message, StringComparison.Ordinal);
    }

    private sealed class FixedToken(string token) : IDicomWebTokenProvider
    {
        public ValueTask<string> GetTokenAsync(DicomWebOptions node, CancellationToken cancellationToken) => ValueTask.FromResult(token);
    }
}
