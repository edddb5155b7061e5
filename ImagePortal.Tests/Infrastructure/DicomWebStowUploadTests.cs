using System.Diagnostics;
using System.Net;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support.Peers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>
/// STOW-RS of one instance too large to upload within the timeouts (the node's and <c>DicomWeb:AttemptTimeout</c>, both
/// 2 s here) against a Kestrel stub that reads the body as told: a slow but steady upload succeeds however long it
/// takes; an upload the node stops taking, or a node that takes it all and never answers, fails with a readable timeout.
/// </summary>
public sealed class DicomWebStowUploadTests : IAsyncLifetime
{
    private const string SopInstanceUid = "1.2.3.4.5";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly byte[] _instance = new byte[48 * 1024 * 1024];
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddDicomWebClient(o =>
        {
            o.AttemptTimeout = Timeout;
            o.MaxRetryAttempts = 1;
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
        })
        .BuildServiceProvider();

    private LoopbackStub _stub = null!;
    private Func<HttpContext, Task> _answer = _ => Task.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Root { get; set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _stub = await LoopbackStub.StartAsync(context => _answer(context), Ct);
        Root = _stub.Url("dicom-web/");
    }

    public async ValueTask DisposeAsync()
    {
        await _stub.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task OneLargeInstance_ReadSlowlyButSteadily_LongerThanTheTimeout_IsStored()
    {
        long received = 0;
        _answer = async context =>
        {
            var buffer = new byte[512 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                received += read;
                await Task.Delay(50, context.RequestAborted);
            }

            await StoredAsync(context);
        };
        var started = Stopwatch.GetTimestamp();

        var outcomes = await StoreAsync();

        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal(StowStatus.Stored, Assert.Single(outcomes).Status);
        Assert.True(received > _instance.Length, $"{received} bytes received");
        Assert.True(elapsed > Timeout * 1.5, $"the upload took {elapsed}, not longer than the timeout: the test proves nothing");
        Assert.Equal(1, _stub.Requests);
    }

    [Fact]
    public async Task AnUploadTheNodeStopsTaking_FailsWithAReadableTimeout()
    {
        _answer = async context =>
        {
            var buffer = new byte[256 * 1024];
            await context.Request.Body.ReadAtLeastAsync(buffer, buffer.Length, cancellationToken: context.RequestAborted);
            await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted);
        };

        // The node's timeout alone (the attempt timeout longer): it spans the retries, so the first stalled attempt ends the
        // request. (Under load the stub's Kestrel has been seen to reset an attempt before it stalled: retried, as any reset.)
        await using var services = new ServiceCollection().AddDicomWebClient(o => o.AttemptTimeout = TimeSpan.FromSeconds(30)).BuildServiceProvider();
        var client = services.GetRequiredService<DicomWebClients>().For(new DicomWebOptions { BaseUrl = Root, Timeout = Timeout });
        var instance = new StowInstance("1.2.840.10008.5.1.4.1.1.7", SopInstanceUid, _instance.Length, () => new MemoryStream(_instance, writable: false));

        var error = await Assert.ThrowsAsync<DicomWebException>(async () => await client.StoreAsync([instance], cancellationToken: Ct).ToListAsync(Ct));

        Assert.Equal($"DICOMweb node {Root}studies: the upload stalled: the node accepted no bytes of the request for 2 s.", error.Message);
        Assert.True(error.IsTransient);
        Assert.InRange(_stub.Requests, 1, 4);
    }

    [Fact]
    public async Task ANodeThatTakesTheWholeBody_AndNeverAnswers_FailsWithAReadableTimeout()
    {
        _answer = async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted);
        };

        var error = await Assert.ThrowsAsync<DicomWebException>(() => StoreAsync(1024, TimeSpan.FromSeconds(30)));

        Assert.Equal($"DICOMweb node {Root}studies: no answer within 2 s of the request being sent.", error.Message);
        Assert.Equal(2, _stub.Requests);
    }

    private Task<List<StowOutcome>> StoreAsync() => StoreAsync(_instance.Length, Timeout);

    /// <summary>The node's timeout spans the retries: a long one leaves each attempt to <c>DicomWeb:AttemptTimeout</c>.</summary>
    private async Task<List<StowOutcome>> StoreAsync(int length, TimeSpan nodeTimeout)
    {
        var client = _services.GetRequiredService<DicomWebClients>().For(new DicomWebOptions { BaseUrl = Root, Timeout = nodeTimeout });
        var instance = new StowInstance("1.2.840.10008.5.1.4.1.1.7", SopInstanceUid, length, () => new MemoryStream(_instance, 0, length, writable: false));
        return await client.StoreAsync([instance], cancellationToken: Ct).ToListAsync(Ct);
    }

    private static async Task StoredAsync(HttpContext context)
    {
        context.Response.ContentType = "application/dicom+json";
        await context.Response.WriteAsync($$$"""{"00081199":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["{{{SopInstanceUid}}}"]}}]}}""", context.RequestAborted);
    }
}
