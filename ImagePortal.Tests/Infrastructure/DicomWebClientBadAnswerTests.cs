using System.Net;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support.Peers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>
/// STOW-RS answers, and a QIDO-RS answer, that are bad on purpose (a Kestrel stub on 127.0.0.1), beside the WADO-RS and
/// QIDO-RS ones of <see cref="DicomWebClientHostileAnswerTests"/>: each is a <see cref="DicomWebException"/> that says
/// what was wrong; an answer cut short is transient (the batch is sent again), a redirect is refused, not followed.
/// </summary>
public sealed class DicomWebClientBadAnswerTests : IAsyncLifetime
{
    private const string SopInstanceUid = "1.2.3.4.5";
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddDicomWebClient(o => o.RetryDelay = TimeSpan.FromMilliseconds(20))
        .BuildServiceProvider();

    private LoopbackStub _stub = null!;
    private Func<HttpContext, Task> _answer = _ => Task.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Root { get; set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _stub = await LoopbackStub.StartAsync(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            await _answer(context);
        }, Ct);
        Root = _stub.Url("dicom-web/");
    }

    public async ValueTask DisposeAsync()
    {
        await _stub.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task AnAnswerOfAnotherContentType_IsRefused()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>Sign in</html>");
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => StoreAsync());

        Assert.Equal($"DICOMweb node {Root}studies answered text/html, not application/dicom+json.", error.Message);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task AnAnswerThatIsNotDicomJson_IsRefused()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "application/dicom+json";
            await context.Response.WriteAsync("""{"00081199":{"vr":"SQ","Value":[{"00081155":""");
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => StoreAsync());

        Assert.StartsWith($"DICOMweb node {Root}studies answered STOW-RS with something that is not DICOM JSON: ", error.Message);
    }

    [Fact]
    public async Task AnOversizedAnswer_IsRefused_NotBuffered()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "application/dicom+json";
            await context.Response.WriteAsync($$$"""{"00081190":{"vr":"UR","Value":["{{{new string('x', 5000)}}}"]}}""");
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => StoreAsync(o => o with { MaxJsonBytes = 1000 }));

        Assert.Contains("the answer is larger than the 1,000 bytes allowed; refused.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnswerCutShort_IsTransient_SoTheBatchIsSentAgain()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "application/dicom+json";
            context.Response.ContentLength = 10_000;
            await context.Response.WriteAsync("""{"00081199":{"vr":"SQ","Value":[""");
            await context.Response.Body.FlushAsync();
            context.Abort();
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => StoreAsync());

        // Read before the reset arrives, the answer broke off; after it, the reset may take the headers with it.
        Assert.True(error.IsTransient, error.Message);
        Assert.True(error.Message.Contains("broke off", StringComparison.Ordinal) || error.Message.Contains("could not be reached", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task ARedirectToAnotherHost_IsRefused_NotFollowed()
    {
        _answer = context =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = "https://elsewhere.example/dicom-web/studies";
            return Task.CompletedTask;
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => StoreAsync());

        Assert.Equal(HttpStatusCode.TemporaryRedirect, error.StatusCode);
        Assert.Contains("redirecting to another host (https://elsewhere.example)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _stub.Requests);
    }

    [Fact]
    public async Task AQidoAnswerThatIsNotDicomJson_IsRefused_SayingSo()
    {
        _answer = async context =>
        {
            context.Response.ContentType = "application/dicom+json";
            await context.Response.WriteAsync("""[{"0020000D":{"vr":"UI","Value":["1.2.3"]}}, {"oops": 1}]""");
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(async () =>
            await _services.GetRequiredService<DicomWebClients>().For(new DicomWebOptions { BaseUrl = Root }).SearchStudiesAsync(new DicomWebQuery(), Ct).ToListAsync(Ct));

        Assert.StartsWith($"DICOMweb node {Root}studies answered with something that is not DICOM JSON: ", error.Message);
        Assert.False(error.IsTransient);
    }

    private async Task<List<StowOutcome>> StoreAsync(Func<DicomWebOptions, DicomWebOptions>? change = null)
    {
        var client = _services.GetRequiredService<DicomWebClients>().For((change ?? (o => o))(new DicomWebOptions { BaseUrl = Root }));
        var body = new byte[2048];
        var instance = new StowInstance("1.2.840.10008.5.1.4.1.1.7", SopInstanceUid, body.Length, () => new MemoryStream(body, writable: false));
        return await client.StoreAsync([instance], cancellationToken: Ct).ToListAsync(Ct);
    }
}
