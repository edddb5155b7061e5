using System.CommandLine;
using System.Diagnostics;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Cli.Commands;

/// <summary>
/// <c>imageportal store PEER PORT FILE|FOLDER...</c>: C-STORE each Part 10 file as it is (no transcoding),
/// streamed from disk, many over one association, like DCMTK's storescu.
/// </summary>
public static class StoreCommand
{
    public static Command Create()
    {
        var peer = new PeerOptions();
        var inputs = new Argument<string[]>("inputs") { Description = "DICOM files or folders (scanned recursively).", Arity = ArgumentArity.OneOrMore };
        var command = peer.NewCommand("store", "Send DICOM files to a storage SCP with C-STORE.");
        command.Arguments.Add(inputs);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return await NetworkErrors.RunAsync("store", error, async () =>
            {
                var files = new List<(string Path, Part10Header Header)>();
                var unreadable = 0;
                foreach (var path in Expand(parseResult.GetValue(inputs) ?? []))
                {
                    try
                    {
                        await using var stream = File.OpenRead(path);
                        files.Add((path, await Part10Header.ReadAsync(stream, cancellationToken)));
                    }
                    catch (Exception exception) when (exception is InvalidDataException or IOException or UnauthorizedAccessException)
                    {
                        error.WriteLine($"imageportal store: skipping {path}: {exception.Message}");
                        unreadable++;
                    }
                }

                if (files.Count == 0)
                {
                    error.WriteLine("imageportal store: no DICOM files to send.");
                    return NetworkExitCodes.InvalidInput;
                }

                var client = peer.CreateClient(parseResult);
                var stopwatch = Stopwatch.StartNew();
                var stored = 0;
                var failed = 0;
                long bytes = 0;
                // PS3.8 9.3.2.2: at most 128 contexts per association; batch by distinct SOP class/syntax pairs.
                foreach (var batch in Batches(files))
                {
                    var contexts = StorageContexts.ForPairs(batch.Select(f => (f.Header.SopClassUid, f.Header.TransferSyntaxUid)));
                    await using var association = await client.OpenAsync(contexts, cancellationToken);
                    foreach (var (path, _) in batch)
                    {
                        var response = await association.StoreFileAsync(path, cancellationToken);
                        if (response.Status.IsSuccessOrWarning)
                        {
                            stored++;
                            bytes += new FileInfo(path).Length;
                        }
                        else
                        {
                            failed++;
                            error.WriteLine($"imageportal store: {path}: {response.Status}{(response.ErrorComment is { } comment ? ": " + comment : string.Empty)}");
                        }
                    }

                    await association.ReleaseAsync(cancellationToken);
                }

                var seconds = Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001);
                output.WriteLine($"stored {stored} of {files.Count} files ({bytes / 1048576.0:F1} MiB in {seconds:F2} s, {bytes / 1048576.0 / seconds:F1} MiB/s); {failed} failed, {unreadable} skipped");
                return failed > 0 || unreadable > 0 ? NetworkExitCodes.DimseFailure : NetworkExitCodes.Success;
            });
        });
        return command;
    }

    private static IEnumerable<string> Expand(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                foreach (var file in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return input;
            }
        }
    }

    private static IEnumerable<List<(string Path, Part10Header Header)>> Batches(List<(string Path, Part10Header Header)> files)
    {
        var batch = new List<(string Path, Part10Header Header)>();
        var pairs = new HashSet<(string, string)>();
        foreach (var file in files)
        {
            var pair = (file.Header.SopClassUid, file.Header.TransferSyntaxUid);
            if (!pairs.Contains(pair) && pairs.Count == 128)
            {
                yield return batch;
                batch = [];
                pairs.Clear();
            }

            pairs.Add(pair);
            batch.Add(file);
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
