using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>A modality Orthanc knows (its <c>DicomModalities</c>), always on 127.0.0.1.</summary>
public sealed record OrthancModality(string Name, string AeTitle, int Port);

public sealed class OrthancPeerOptions
{
    public string AeTitle { get; init; } = "ORTHANC";

    public IReadOnlyList<OrthancModality> Modalities { get; init; } = [];

    /// <summary>DICOM_NOTES: Orthanc refuses C-FIND/GET/MOVE from unknown AEs unless these are set.</summary>
    public bool AlwaysAllowQueryRetrieve { get; init; } = true;

    /// <summary>Sets the <c>TCP_NODELAY</c> environment variable of the process (DICOM_NOTES).</summary>
    public bool TcpNoDelay { get; init; }

    public uint MaximumPduLength { get; init; } = 16384;

    /// <summary>Orthanc's <c>UnknownSopClassAccepted</c>: false (its default) refuses storage SOP classes it does not know.</summary>
    public bool UnknownSopClassAccepted { get; init; }

    /// <summary>Loads the DICOMweb plugin (Debian orthanc-dicomweb), its service root at <see cref="OrthancPeer.DicomWebRoot"/>.</summary>
    public bool DicomWeb { get; init; }

    /// <summary>HTTP basic authentication for the REST API and DICOMweb: Orthanc's <c>RegisteredUsers</c> holds this one user.</summary>
    public (string User, string Password)? BasicAuthentication { get; init; }

    /// <summary>Where its ports come from (<see cref="FreePort.Next"/>); a test of <see cref="PortRetry"/> hands out a taken one.</summary>
    public Func<int>? PickPort { get; init; }
}

/// <summary>
/// An Orthanc started by a test: free DICOM and HTTP ports, storage and index in its own temp folder,
/// REST API on 127.0.0.1 only (<c>RemoteAccessAllowed: false</c>). Orthanc 1.10 has no option to bind
/// its DICOM port to one address; tests only connect to 127.0.0.1. Always stopped on dispose.
/// </summary>
public sealed class OrthancPeer : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly TempDirectory _folder;

    private OrthancPeer(PeerProcess process, TempDirectory folder, int dicomPort, int httpPort, string aeTitle)
    {
        _process = process;
        _folder = folder;
        DicomPort = dicomPort;
        HttpPort = httpPort;
        AeTitle = aeTitle;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Where Debian's orthanc-dicomweb puts the plugin.</summary>
    public const string DicomWebPlugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

    /// <summary>The DICOMweb service root, when started with <see cref="OrthancPeerOptions.DicomWeb"/>.</summary>
    public Uri DicomWebRoot => new($"http://127.0.0.1:{HttpPort}/dicom-web/");

    public int DicomPort { get; }

    public int HttpPort { get; }

    public string AeTitle { get; }

    public HttpClient Http { get; }

    public string Output => _process.Output;

    public static Task<OrthancPeer> StartAsync(OrthancPeerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new OrthancPeerOptions();
        return PortRetry.StartAsync("Orthanc", 2, (ports, ct) => StartOnAsync(options, ports[0], ports[1], ct), cancellationToken, options.PickPort);
    }

    private static async Task<OrthancPeer> StartOnAsync(OrthancPeerOptions options, int dicomPort, int httpPort, CancellationToken cancellationToken)
    {
        var executable = ExternalTools.Find("Orthanc") ?? ExternalTools.Require("/usr/sbin/Orthanc", "orthanc");
        var plugins = new JsonArray();
        if (options.DicomWeb)
        {
            plugins.Add(ExternalTools.RequireFile(DicomWebPlugin, "orthanc-dicomweb"));
        }

        var folder = new TempDirectory("orthanc");
        var modalities = new JsonObject();
        foreach (var modality in options.Modalities)
        {
            modalities[modality.Name] = new JsonArray(modality.AeTitle, "127.0.0.1", modality.Port);
        }

        var config = new JsonObject
        {
            ["Name"] = "imageportal-test",
            ["StorageDirectory"] = Path.Combine(folder.Path, "storage"),
            ["IndexDirectory"] = Path.Combine(folder.Path, "index"),
            ["DicomAet"] = options.AeTitle,
            ["DicomPort"] = dicomPort,
            ["HttpPort"] = httpPort,
            ["RemoteAccessAllowed"] = false,
            ["AuthenticationEnabled"] = options.BasicAuthentication is not null,
            ["DicomModalities"] = modalities,
            ["DicomAlwaysAllowFind"] = options.AlwaysAllowQueryRetrieve,
            ["DicomAlwaysAllowGet"] = options.AlwaysAllowQueryRetrieve,
            ["DicomAlwaysAllowMove"] = options.AlwaysAllowQueryRetrieve,
            ["DicomCheckCalledAet"] = false,
            ["MaximumPduLength"] = options.MaximumPduLength,
            ["Plugins"] = plugins,
            ["SaveJobs"] = false,
            ["DicomScuTimeout"] = 30,
            ["StableAge"] = 1,
            ["UnknownSopClassAccepted"] = options.UnknownSopClassAccepted,
        };
        if (options.DicomWeb)
        {
            config["DicomWeb"] = new JsonObject { ["Enable"] = true, ["Root"] = "/dicom-web/" };
        }

        if (options.BasicAuthentication is { } credentials)
        {
            config["RegisteredUsers"] = new JsonObject { [credentials.User] = credentials.Password };
        }

        var configPath = Path.Combine(folder.Path, "orthanc.json");
        await File.WriteAllTextAsync(configPath, config.ToJsonString(), cancellationToken);
        var environment = new Dictionary<string, string> { ["TCP_NODELAY"] = options.TcpNoDelay ? "1" : "0" };
        var process = PeerProcess.Start(executable, [configPath], folder.Path, environment);
        var peer = new OrthancPeer(process, folder, dicomPort, httpPort, options.AeTitle);
        if (options.BasicAuthentication is { } basic)
        {
            peer.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{basic.User}:{basic.Password}")));
        }

        try
        {
            // Its own listeners first: an answer on a port another program took would be that program's.
            await process.WaitForListeningAsync(httpPort, TimeSpan.FromSeconds(30), cancellationToken);
            await process.WaitForListeningAsync(dicomPort, TimeSpan.FromSeconds(30), cancellationToken);
            await process.WaitUntilAsync(peer.IsHttpReadyAsync, "REST API", TimeSpan.FromSeconds(30), cancellationToken);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>POST /instances: stores a Part 10 file, returns Orthanc's instance id.</summary>
    public async Task<string> UploadAsync(byte[] part10, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(part10);
        using var response = await Http.PostAsync("instances", content, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("ID").GetString()!;
    }

    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken) =>
        await Http.GetFromJsonAsync<JsonElement>(path, cancellationToken);

    public async Task<JsonElement> PostJsonAsync(string path, object body, CancellationToken cancellationToken)
    {
        // Orthanc's field names are PascalCase: no web (camelCase) naming policy.
        using var content = JsonContent.Create(body, options: new JsonSerializerOptions());
        using var response = await Http.PostAsync(path, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }

        return string.IsNullOrWhiteSpace(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The SOP Instance UIDs Orthanc holds (GET /instances?expand).</summary>
    public async Task<IReadOnlyList<string>> InstanceUidsAsync(CancellationToken cancellationToken)
    {
        var instances = await GetJsonAsync("instances?expand", cancellationToken);
        return instances.EnumerateArray().Select(i => i.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString()!).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<bool> IsHttpReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync("system", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
