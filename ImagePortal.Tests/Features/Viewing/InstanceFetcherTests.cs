using System.Collections.Concurrent;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Tests.Features.Viewing;

/// <summary>
/// How the viewing cache's fetcher asks the PACS. A series' metadata or pixel data call fetched every instance by UID, 200
/// to an IMAGE-level identifier, one identifier after the other: Orthanc took 0.45–0.55 s for a 300-instance CT that it
/// sends in 0.31 s when asked for the series (getscu, quiet machine). A call that names the whole series, most of it not
/// cached, now asks for the series.
/// </summary>
public sealed class InstanceFetcherTests : IDisposable
{
    private const string Study = "1.2.826.0.1.3680043.8.498.1";
    private const string Series = "1.2.826.0.1.3680043.8.498.1.1";
    private const string CtImage = "1.2.840.10008.5.1.4.1.1.2";
    private readonly TempDirectory _data = new("viewing-fetcher");
    private readonly DicomNode _node = new Facility("Northvale General Hospital", "nvh", "Northvale", "NVH-MRN", "Europe/Dublin")
        .AddNode("PACS", AeTitle.Parse("NVH_PACS"), "127.0.0.1", 104, DicomCapabilities.Find | DicomCapabilities.Get);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _data.Dispose();

    private static List<InstanceKey> SeriesOf(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new InstanceKey(Study, Series, $"{Series}.{i}", CtImage))];

    private (InstanceFetcher Fetcher, InstanceCache Cache) Fetcher(FakePacs pacs)
    {
        var settings = new ViewingSettings();
        var cache = ViewingCaches.Create(_data.Path, settings, TimeProvider.System);
        return (new InstanceFetcher(cache, pacs, new FixedOptionsMonitor<ViewingSettings>(settings), NullLogger<InstanceFetcher>.Instance), cache);
    }

    [Fact]
    public async Task AWholeSeries_NothingCached_IsOneSeriesLevelRetrieve()
    {
        var series = SeriesOf(300);
        var pacs = new FakePacs(series);
        var (fetcher, cache) = Fetcher(pacs);

        var files = await Task.WhenAll(fetcher.Start(_node, series, wholeSeries: true));

        var identifier = Assert.Single(pacs.Identifiers);
        Assert.Equal("SERIES", identifier.GetString(DicomTag.QueryRetrieveLevel));
        Assert.Equal(Series, identifier.GetString(DicomTag.SeriesInstanceUID));
        Assert.False(identifier.Contains(DicomTag.SOPInstanceUID));
        Assert.Equal([CtImage], pacs.SopClasses.Single());
        Assert.All(series, key => Assert.NotNull(cache.TryGet(_node.Id, key.SopInstanceUid)));
        Assert.Equal(300, files.Distinct().Count());
    }

    [Fact]
    public async Task ASeriesLevelRetrieve_DropsWhatWasCachedAlready_AndWhatTheCFindDidNotName()
    {
        var series = SeriesOf(300);
        // The PACS holds one instance more than its C-FIND named (stored since), and the first is cached already.
        var pacs = new FakePacs([.. series, new InstanceKey(Study, Series, $"{Series}.301", CtImage)]);
        var (fetcher, cache) = Fetcher(pacs);
        var first = await fetcher.GetAsync(_node, [series[0]], Ct);
        var firstWritten = File.GetLastWriteTimeUtc(first[0]);

        await Task.WhenAll(fetcher.Start(_node, series, wholeSeries: true));

        Assert.Equal(["IMAGE", "SERIES"], pacs.Identifiers.Select(i => i.GetString(DicomTag.QueryRetrieveLevel)));
        Assert.Null(cache.TryGet(_node.Id, $"{Series}.301"));
        Assert.Equal(firstWritten, File.GetLastWriteTimeUtc(cache.TryGet(_node.Id, series[0].SopInstanceUid)!));
        var temporary = Path.Combine(cache.Folder, "tmp");
        Assert.Equal(300, Directory.EnumerateFiles(cache.Folder, "*", SearchOption.AllDirectories).Count(f => !f.StartsWith(temporary, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AWholeSeries_MostlyCached_AsksForTheMissingInstancesByUid()
    {
        var series = SeriesOf(300);
        var pacs = new FakePacs(series);
        var (fetcher, _) = Fetcher(pacs);
        await fetcher.GetAsync(_node, series[..200], Ct);
        pacs.Identifiers.Clear();

        await Task.WhenAll(fetcher.Start(_node, series, wholeSeries: true));

        var identifier = Assert.Single(pacs.Identifiers);
        Assert.Equal("IMAGE", identifier.GetString(DicomTag.QueryRetrieveLevel));
        Assert.Equal(series[200..].Select(k => k.SopInstanceUid), identifier.GetStrings(DicomTag.SOPInstanceUID));
    }

    [Fact]
    public async Task InstancesThatAreNotTheWholeSeries_AreAskedForByUid_200ToAnIdentifier()
    {
        // A clerk's view: the series' instances that the ledger lists, which need not be all the PACS holds.
        var series = SeriesOf(300);
        var pacs = new FakePacs(series);
        var (fetcher, _) = Fetcher(pacs);

        await Task.WhenAll(fetcher.Start(_node, series));

        Assert.Equal(["IMAGE", "IMAGE"], pacs.Identifiers.Select(i => i.GetString(DicomTag.QueryRetrieveLevel)));
        Assert.Equal([200, 100], pacs.Identifiers.Select(i => i.GetStrings(DicomTag.SOPInstanceUID).Length));
    }

    [Fact]
    public async Task ASeriesLevelRetrieve_ThatLeavesInstancesOut_FailsThoseInstances_AndKeepsTheRest()
    {
        var series = SeriesOf(10);
        var pacs = new FakePacs(series[..7]) { Final = DimseStatus.SubOperationsCompleteWithFailures };
        var (fetcher, cache) = Fetcher(pacs);

        var waits = fetcher.Start(_node, series, wholeSeries: true);

        for (var i = 0; i < 7; i++)
        {
            Assert.NotNull(await waits[i]);
        }

        for (var i = 7; i < 10; i++)
        {
            var error = await Assert.ThrowsAsync<InstanceNotSentException>(() => waits[i]);
            Assert.Contains($"did not send instance {series[i].SopInstanceUid}", error.Message, StringComparison.Ordinal);
        }

        Assert.Null(cache.TryGet(_node.Id, series[9].SopInstanceUid));
    }

    /// <summary>A PACS that answers a retrieve with what it holds: a SERIES-level one with the whole series, an IMAGE-level one with the UIDs it names.</summary>
    private sealed class FakePacs(IReadOnlyList<InstanceKey> holds) : IPacsInstanceSource
    {
        public ConcurrentQueue<DicomDataset> Identifiers { get; } = new();

        public ConcurrentQueue<IReadOnlyCollection<string>> SopClasses { get; } = new();

        public DimseStatus Final { get; init; } = DimseStatus.Success;

        public int MaxSopClassesPerRetrieve => 16;

        public Task<IReadOnlyList<DicomDataset>> FindAsync(DicomNode node, DicomDataset keys, int cap, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The fetcher does not query.");

        public async Task<RetrieveProgress?> RetrieveAsync(
            DicomNode node, DicomDataset identifier, IReadOnlyCollection<string> sopClasses, IDicomStoreProvider sink, CancellationToken cancellationToken)
        {
            Identifiers.Enqueue(identifier);
            SopClasses.Enqueue(sopClasses);
            var named = identifier.GetString(DicomTag.QueryRetrieveLevel) == "IMAGE" ? identifier.GetStrings(DicomTag.SOPInstanceUID).ToHashSet(StringComparer.Ordinal) : null;
            var sent = 0;
            foreach (var key in holds.Where(k => named is null || named.Contains(k.SopInstanceUid)))
            {
                await sink.StoreAsync(new ReceivedInstance(key.SopClassUid, key.SopInstanceUid, "1.2.840.10008.1.2.1", "NVH_PACS", "IMAGEPORTAL", new MemoryStream(new byte[512])), cancellationToken);
                sent++;
            }

            return new RetrieveProgress(Final, 0, (ushort)sent, 0, 0, null);
        }
    }
}
