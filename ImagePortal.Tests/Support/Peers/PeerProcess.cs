using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A peer program (DCMTK tool, Orthanc) run by a test: output captured for the failure message, and the
/// whole process tree killed on dispose, and at the latest when the test host exits, even if a test
/// forgot or crashed.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    static PeerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                TryKill(process);
            }
        };
    }

    private PeerProcess(Process process)
    {
        _process = process;
    }

    private int? _id;

    /// <summary>The process id, still known once the process was killed and disposed.</summary>
    public int Id => _id ??= _process.Id;

    /// <summary>True once the process ended, or was killed by <see cref="DisposeAsync"/>.</summary>
    public bool HasExited => Volatile.Read(ref _disposed) == 1 || _process.HasExited;

    /// <summary>The exit code; -1 for a process this object killed.</summary>
    public int ExitCode => Volatile.Read(ref _disposed) == 1 ? -1 : _process.ExitCode;

    /// <summary>Everything the peer wrote so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static PeerProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new PeerProcess(process);
        process.OutputDataReceived += (_, e) => peer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
        process.Start();
        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Runs a peer tool to completion (echoscu, storescu, ...) within <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        await using var peer = Start(fileName, arguments, workingDirectory, environment);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await peer._process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Path.GetFileName(fileName)} did not finish within {timeout}. Output:\n{peer.Output}");
        }

        return (peer.ExitCode, peer.Output);
    }

    /// <summary>Polls until 127.0.0.1:<paramref name="port"/> accepts a connection; fails early if the peer exits.</summary>
    public async Task WaitForTcpAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await WaitUntilAsync(
            async ct =>
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port, ct);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            $"port {port}",
            timeout,
            cancellationToken);
    }

    /// <summary>
    /// Polls until this process (or a child of it) listens on <paramref name="port"/>; fails early if it exits. Where
    /// /proc cannot tell who listens (not Linux) a connection that succeeds is taken for it, as before.
    /// </summary>
    public async Task WaitForListeningAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!ListeningSockets.Supported)
        {
            await WaitForTcpAsync(port, timeout, cancellationToken);
            return;
        }

        await WaitUntilAsync(_ => Task.FromResult(ListeningSockets.IsHeldBy(Id, port)), $"its listener on port {port}", timeout, cancellationToken);
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds, the deadline passes or the peer exits.</summary>
    public async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode} before {what} was ready. Output:\n{Output}");
            }

            if (await condition(cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_process.StartInfo.FileName}: {what} not ready within {timeout}. Output:\n{Output}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Each process's id, whether it exited, and the end of its output: what a test's failure message needs.</summary>
    public static string Describe(IEnumerable<PeerProcess> processes) =>
        string.Join(Environment.NewLine, processes.Select(p =>
            $"Process {p.Id}{(p.HasExited ? $" exited ({p.ExitCode})" : string.Empty)}:{Environment.NewLine}{Tail(p.Output)}"));

    private static string Tail(string output) => output.Length <= 4000 ? output : "..." + output[^4000..];

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        // Idempotent: a test may kill a peer on purpose and still hold it in an await using.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _ = Id;

        TryKill(_process);
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Running.TryRemove(Id, out _);
        _process.Dispose();
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Bounded: a chatty peer must not grow the test host's memory without end.
            if (_output.Length < 256 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }
}
