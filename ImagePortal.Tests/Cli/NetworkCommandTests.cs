using System.CommandLine;
using ImagePortal.Cli.Commands;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Cli;

public sealed class NetworkCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Echo_AgainstOurScp_ExitsZeroAndSaysSuccess()
    {
        await using var scp = TestScp.Start();

        var (exit, output, _) = await RunAsync("echo", "127.0.0.1", scp.Port.ToString(), "-aec", scp.AeTitle, "--repeat", "3");

        Assert.Equal(NetworkExitCodes.Success, exit);
        Assert.Contains($"echo {scp.AeTitle}@127.0.0.1:{scp.Port}: 0x0000 (Success)", output);
    }

    [Fact]
    public async Task Echo_WrongCalledAe_ExitsRejected()
    {
        await using var scp = TestScp.Start();

        var (exit, _, error) = await RunAsync("echo", "127.0.0.1", scp.Port.ToString(), "-aec", "WRONG");

        Assert.Equal(NetworkExitCodes.Rejected, exit);
        Assert.Contains("called AE title not recognized", error);
    }

    [Fact]
    public async Task Echo_NobodyListening_ExitsNetworkError()
    {
        var (exit, _, error) = await RunAsync("echo", "127.0.0.1", FreePort.Next().ToString(), "-to", "5");

        Assert.Equal(NetworkExitCodes.NetworkError, exit);
        Assert.StartsWith("imageportal echo: ", error);
    }

    [Fact]
    public async Task Store_Folder_SendsEveryFileAndSkipsNonDicom()
    {
        using var folder = new TempDirectory("store");
        var study = SyntheticStudy.Write(folder.Combine("study"), series: 1, imagesPerSeries: 4);
        await File.WriteAllTextAsync(folder.Combine("notes.txt"), "not DICOM", Ct);
        await using var scp = TestScp.Start();

        var (exit, output, error) = await RunAsync("store", "127.0.0.1", scp.Port.ToString(), "-aec", scp.AeTitle, folder.Path);

        Assert.Equal(NetworkExitCodes.DimseFailure, exit);
        Assert.Contains("stored 4 of 4 files", output);
        Assert.Contains("1 skipped", output);
        Assert.Contains("notes.txt", error);
        Assert.Equal(study.SopInstanceUids.Order(), await Interop.InteropAssert.InstanceUidsAsync(scp.StoredFiles, Ct));
    }

    [Fact]
    public async Task FindGetMove_AgainstOurScp()
    {
        using var folder = new TempDirectory("qr");
        var study = SyntheticStudy.Write(folder.Combine("study"), series: 1, imagesPerSeries: 2);
        var archive = new TestArchive(study.Files);
        await using var scp = TestScp.Start(find: archive, get: archive, move: archive);

        var find = await RunAsync("find", "127.0.0.1", scp.Port.ToString(), "-aec", scp.AeTitle, "-k", "PatientName=Mü*", "-k", "StudyInstanceUID", "-k", "PatientID");
        Assert.Equal(NetworkExitCodes.Success, find.Exit);
        Assert.Contains($"(0020,000D) StudyInstanceUID = {study.StudyInstanceUid}", find.Output);
        Assert.Contains("1 matches; final status 0x0000 (Success)", find.Output);

        var get = await RunAsync("get", "127.0.0.1", scp.Port.ToString(), "-aec", scp.AeTitle, "-k", $"StudyInstanceUID={study.StudyInstanceUid}", "-od", folder.Combine("got"));
        Assert.Equal(NetworkExitCodes.Success, get.Exit);
        Assert.Contains("get: 2 completed, 0 failed, 0 warnings; final status 0x0000 (Success)", get.Output);
        Assert.Equal(2, Directory.GetFiles(folder.Combine("got"), "*.dcm").Length);

        var move = await RunAsync("move", "127.0.0.1", scp.Port.ToString(), "-aec", scp.AeTitle, "-aem", "NOWHERE", "-k", $"StudyInstanceUID={study.StudyInstanceUid}");
        Assert.Equal(NetworkExitCodes.DimseFailure, move.Exit);
        Assert.Contains("0xA801", move.Output);
        Assert.Contains("Unknown move destination 'NOWHERE'", move.Error);
    }

    [Fact]
    public async Task Get_WithAnInstanceGone_ExitsDimseFailure_AndNamesTheFailedInstance()
    {
        using var folder = new TempDirectory("retrieve");
        var study = SyntheticStudy.Write(folder.Combine("study"), series: 1, imagesPerSeries: 2);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        File.Delete(study.Files[1]);

        var (exit, output, error) = await RunAsync("get", "127.0.0.1", scp.Port.ToString(), "-aec", scp.AeTitle, "-k", $"StudyInstanceUID={study.StudyInstanceUid}", "-od", folder.Combine("got"));

        Assert.Equal(NetworkExitCodes.DimseFailure, exit);
        Assert.Contains("1 completed, 1 failed", output);
        Assert.Contains($"imageportal get: failed instance {study.SopInstanceUids[1]}", error);
        Assert.DoesNotContain(study.SopInstanceUids[0], error);
    }

    [Fact]
    public async Task Find_BadKey_ExitsInvalidInput()
    {
        var (exit, _, error) = await RunAsync("find", "127.0.0.1", "104", "-k", "NoSuchKeyword=1");

        Assert.Equal(NetworkExitCodes.InvalidInput, exit);
        Assert.Contains("NoSuchKeyword", error);
    }

    [Fact]
    public async Task Scp_ReceivesIntoFolder_UntilCancelled()
    {
        using var folder = new TempDirectory("scpcli");
        var study = SyntheticStudy.Write(folder.Combine("in"), series: 1, imagesPerSeries: 2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var text = new StringWriter();
        // Written by the command while the test reads it: the synchronized writer locks on itself for each write.
        var output = TextWriter.Synchronized(text);
        string Said()
        {
            lock (output)
            {
                return text.ToString();
            }
        }

        var root = Root();
        // Port 0: the OS gives one nobody holds; the command says which.
        var running = root.Parse(["scp", "-p", "0", "-aet", "CLISCP", "-od", folder.Combine("out")])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() }, stop.Token);
        await Poll.UntilAsync(() => Task.FromResult(running.IsCompleted || ListeningPort(Said()) is > 0), TimeSpan.FromSeconds(20));
        var port = ListeningPort(Said()) ?? throw new InvalidOperationException($"The scp command did not listen: {Said()}");
        var client = new DicomClient("127.0.0.1", port, new AssociationOptions { CalledAeTitle = "CLISCP" });
        await WaitForListenerAsync(client);

        await using (var association = await client.OpenAsync(await StorageContexts.ForFilesAsync(study.Files, Ct), Ct))
        {
            foreach (var file in study.Files)
            {
                Assert.Equal(DimseStatus.Success, (await association.StoreFileAsync(file, Ct)).Status);
            }

            await association.ReleaseAsync(Ct);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await running);
        Assert.Equal(2, Directory.GetFiles(folder.Combine("out"), "*.dcm").Length);
        Assert.Contains("listening as CLISCP", Said());
    }

    private static int? ListeningPort(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"listening as CLISCP on [^ ]+:([0-9]+)") is { Success: true } found
            ? int.Parse(found.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;

    private static async Task WaitForListenerAsync(DicomClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                await client.EchoAsync(Ct);
                return;
            }
            catch (DicomAssociationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, Ct);
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, Ct);
            }
        }
    }

    private static RootCommand Root()
    {
        var root = new RootCommand();
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Root().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, Ct);
        return (exit, output.ToString(), error.ToString());
    }
}
