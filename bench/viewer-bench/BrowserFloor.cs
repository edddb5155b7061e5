using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

/// <summary>bench/viewer.sh's floor_s: how fast this browser takes bytes in, with no DICOM and no portal.</summary>
internal static class BrowserFloor
{
    /// <summary>
    /// <paramref name="bytes"/> streamed in one HTTP response from memory (a bare HTTP/1.1 server on a loopback
    /// port, a 1 MiB buffer written over and over) to a page of <paramref name="context"/> on that server's origin,
    /// which reads the body to its end and drops it. Milliseconds from the fetch to the last byte read, best of three.
    /// </summary>
    public static async Task<double> MeasureAsync(IBrowserContext context, long bytes)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var chunk = new byte[1 << 20];
        Random.Shared.NextBytes(chunk);
        // Each connection served on its own (Chromium also opens connections that it uses later, or never).
        async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                client.NoDelay = true;
                await using var stream = client.GetStream();
                var head = new List<byte>();
                var one = new byte[1];
                while (!CollectionsMarshal.AsSpan(head).EndsWith("\r\n\r\n"u8))
                {
                    if (await stream.ReadAsync(one, stop.Token) != 1)
                    {
                        return;
                    }

                    head.Add(one[0]);
                }

                var body = Encoding.ASCII.GetString([.. head]).StartsWith("GET /bytes", StringComparison.Ordinal);
                var length = body ? bytes : 14;
                var type = body ? "application/octet-stream" : "text/html";
                var answer = $"HTTP/1.1 200 OK\r\nContent-Type: {type}\r\nContent-Length: {length}\r\n" +
                    "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), stop.Token);
                if (!body)
                {
                    await stream.WriteAsync("<p>floor</p>\r\n"u8.ToArray(), stop.Token);
                    return;
                }

                for (var left = bytes; left > 0; left -= chunk.Length)
                {
                    await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(left, chunk.Length)), stop.Token);
                }
            }
        }

        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await ServeAsync(client);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                    {
                        // The page went away mid-answer, or the measurement ended.
                    }
                });
            }
        });
        var floorPage = await context.NewPageAsync();
        try
        {
            await floorPage.GotoAsync($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
            var best = double.MaxValue;
            for (var run = 0; run < 3; run++)
            {
                var read = await floorPage.EvaluateAsync<JsonElement>("""
                    async () => {
                      const start = performance.now();
                      const reader = (await fetch('/bytes', { cache: 'no-store' })).body.getReader();
                      let bytes = 0;
                      for (;;) { const { value, done } = await reader.read(); if (done) break; bytes += value.byteLength; }
                      return { ms: performance.now() - start, bytes };
                    }
                    """);
                // All of it, or the measure is of nothing.
                if (read.GetProperty("bytes").GetInt64() != bytes)
                {
                    throw new InvalidOperationException($"the floor's page read {read.GetProperty("bytes").GetInt64()} of {bytes} bytes");
                }

                best = Math.Min(best, read.GetProperty("ms").GetDouble());
            }

            return best;
        }
        finally
        {
            await floorPage.CloseAsync();
            stop.Cancel();
            listener.Stop();
            try
            {
                await serving;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The accept loop ends as the listener stops.
            }
        }
    }
}
