using System.Net;
using System.Text;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A STOW-RS request body (PS3.18 §10.5.1.2.1): <c>multipart/related; type="application/dicom"</c>, one Part 10 file
/// per part, each copied from its stream as the request is sent, never gathered in memory. Serializing again (a retry)
/// opens every instance again. The length is known from the files, so the request has a Content-Length.
/// </summary>
internal sealed class StowContent : HttpContent
{
    private readonly IReadOnlyList<StowInstance> _instances;
    private readonly string _boundary = "imageportal-stow-" + Guid.NewGuid().ToString("N");

    public StowContent(IReadOnlyList<StowInstance> instances)
    {
        _instances = instances;
        Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"multipart/related; type=\"{DicomWebClient.ApplicationDicom}\"; boundary={_boundary}");
    }

    private byte[] PartHead => Encoding.ASCII.GetBytes($"--{_boundary}\r\nContent-Type: {DicomWebClient.ApplicationDicom}\r\n\r\n");

    private byte[] End => Encoding.ASCII.GetBytes($"--{_boundary}--\r\n");

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var head = PartHead;
        foreach (var instance in _instances)
        {
            await stream.WriteAsync(head, cancellationToken);
            await using (var source = instance.Open())
            {
                var copied = await CopyAsync(source, stream, cancellationToken);
                if (copied != instance.Length)
                {
                    // The Content-Length was promised from the length; a file that changed would corrupt the request.
                    throw new IOException($"Instance {instance.SopInstanceUid} is {copied} bytes, not the {instance.Length} expected; not sent.");
                }
            }

            await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
        }

        await stream.WriteAsync(End, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = End.Length + _instances.Sum(i => PartHead.Length + i.Length + 2);
        return true;
    }

    private static async Task<long> CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            total += read;
        }

        return total;
    }
}
