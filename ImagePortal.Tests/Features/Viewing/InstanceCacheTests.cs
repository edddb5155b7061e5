using ImagePortal.Dicom.Network;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;
using Microsoft.Extensions.Time.Testing;

namespace ImagePortal.Tests.Features.Viewing;

/// <summary>The viewing cache on disk: nothing half-written, the size limit by least recent use, expiry.</summary>
public sealed class InstanceCacheTests : IDisposable
{
    private static readonly Guid Node = Guid.NewGuid();
    private readonly TempDirectory _data = new("viewing-cache");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _data.Dispose();

    private InstanceCache Cache(long size = 1 << 20, TimeSpan? expiry = null)
    {
        return ViewingCaches.Create(_data.Path, new ViewingSettings { CacheSize = size, CacheExpiry = expiry ?? TimeSpan.FromHours(1) }, _clock);
    }

    private static ReceivedInstance Instance(string sop, Stream data) => new("1.2.840.10008.5.1.4.1.1.7", sop, "1.2.840.10008.1.2.1", "PACS", "IMAGEPORTAL", data);

    [Fact]
    public async Task AnInstanceThatBreaksOffMidway_LeavesNothingInTheCache()
    {
        var cache = Cache();

        await Assert.ThrowsAsync<IOException>(() => cache.StoreAsync(Node, Instance("1.2.3", new BreaksAfter(5000)), Ct));

        Assert.Null(cache.TryGet(Node, "1.2.3"));
        Assert.Empty(Directory.EnumerateFiles(cache.Folder, "*", SearchOption.AllDirectories));
        Assert.Equal(0, cache.TotalBytes);
    }

    [Fact]
    public async Task BeyondItsSize_TheLeastRecentlyUsedInstancesGo()
    {
        var cache = Cache(size: 3000);
        await cache.StoreAsync(Node, Instance("1.1", new MemoryStream(new byte[1000])), Ct);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await cache.StoreAsync(Node, Instance("1.2", new MemoryStream(new byte[1000])), Ct);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(cache.TryGet(Node, "1.1"));
        _clock.Advance(TimeSpan.FromSeconds(1));

        await cache.StoreAsync(Node, Instance("1.3", new MemoryStream(new byte[1000])), Ct);

        Assert.NotNull(cache.TryGet(Node, "1.1"));
        Assert.Null(cache.TryGet(Node, "1.2"));
        Assert.NotNull(cache.TryGet(Node, "1.3"));
        Assert.True(cache.TotalBytes <= 3000, $"{cache.TotalBytes} bytes");
        Assert.Equal(2, Directory.EnumerateFiles(cache.Folder, "*.dcm", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public async Task AnExpiredInstance_IsFetchedAgain_AndARestartedCacheKnowsItsFiles()
    {
        var cache = Cache(expiry: TimeSpan.FromMinutes(10));
        var path = await cache.StoreAsync(Node, Instance("1.5", new MemoryStream(new byte[100])), Ct);
        Assert.Equal(path, Cache().TryGet(Node, "1.5"));
        Assert.Null(cache.TryGet(Guid.NewGuid(), "1.5"));

        _clock.Advance(TimeSpan.FromMinutes(11));

        Assert.Null(cache.TryGet(Node, "1.5"));
        Assert.False(File.Exists(path));
    }

    /// <summary>A transfer that breaks off: some bytes, then the connection is gone.</summary>
    private sealed class BreaksAfter(int bytes) : Stream
    {
        private int _left = bytes;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_left == 0)
            {
                throw new IOException("The association was aborted.");
            }

            var n = Math.Min(count, _left);
            _left -= n;
            return n;
        }

        public override void Flush() => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
