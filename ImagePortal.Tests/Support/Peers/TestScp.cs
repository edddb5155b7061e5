using System.Net;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>Our own SCP on 127.0.0.1 and a free port, storing into a temp folder, stopped on dispose.</summary>
public sealed class TestScp : IAsyncDisposable
{
    private readonly TempDirectory _folder;

    private TestScp(DicomServer server, TempDirectory folder, FolderStoreProvider store)
    {
        Server = server;
        _folder = folder;
        StoreProvider = store;
    }

    public DicomServer Server { get; }

    public FolderStoreProvider StoreProvider { get; }

    public int Port => Server.Port;

    public string AeTitle => Server.Options.AeTitle;

    public string Folder => _folder.Path;

    public IReadOnlyList<string> StoredFiles => Directory.GetFiles(_folder.Path, "*.dcm");

    public IReadOnlyList<string> AllFiles => Directory.GetFiles(_folder.Path);

    /// <param name="wrapStore">Puts a provider in front of the folder store (e.g. one that fails some instances).</param>
    public static TestScp Start(
        Action<DicomServerOptions>? configure = null,
        IDicomFindProvider? find = null,
        IDicomGetProvider? get = null,
        IDicomMoveProvider? move = null,
        Func<IDicomStoreProvider, IDicomStoreProvider>? wrapStore = null)
    {
        var folder = new TempDirectory("scp");
        var options = new DicomServerOptions { AeTitle = "PORTALSCP", BindAddress = IPAddress.Loopback, Port = 0 };
        configure?.Invoke(options);
        var store = new FolderStoreProvider(folder.Path);
        var server = new DicomServer(options) { Store = wrapStore is null ? store : wrapStore(store), Find = find, Get = get, Move = move };
        server.Start();
        return new TestScp(server, folder, store);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _folder.Dispose();
    }
}
