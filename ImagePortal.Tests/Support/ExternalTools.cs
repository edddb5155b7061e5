namespace ImagePortal.Tests.Support;

/// <summary>
/// Finds the real peers the interop tests drive (DCMTK, Orthanc, Chromium, the pydicom corpus).
/// Where one is missing the test is skipped with the package to install; under <c>CI=true</c> it fails
/// instead, because CI installs every one of them and a silent skip there would hide a broken setup.
/// </summary>
public static class ExternalTools
{
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of <paramref name="program"/> on PATH, or skips (fails on CI) naming the Debian package.</summary>
    public static string Require(string program, string debianPackage)
    {
        var path = Find(program);
        if (path is null)
        {
            Unavailable($"'{program}' was not found on PATH: install it with 'apt-get install {debianPackage}'.");
        }

        return path!;
    }

    /// <summary>The directory, or skips (fails on CI) naming the Debian package that provides it.</summary>
    public static string RequireDirectory(string directory, string debianPackage)
    {
        if (!Directory.Exists(directory))
        {
            Unavailable($"'{directory}' does not exist: install it with 'apt-get install {debianPackage}'.");
        }

        return directory;
    }

    /// <summary>The file, or skips (fails on CI) naming the Debian package that provides it.</summary>
    public static string RequireFile(string file, string debianPackage)
    {
        if (!File.Exists(file))
        {
            Unavailable($"'{file}' does not exist: install it with 'apt-get install {debianPackage}'.");
        }

        return file;
    }

    public static string? Find(string program)
    {
        if (Path.IsPathRooted(program))
        {
            return File.Exists(program) ? program : null;
        }

        var pathVariable = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static void Unavailable(string message)
    {
        if (IsCi)
        {
            Assert.Fail($"{message} CI must install it (see .ci/run).");
        }

        Assert.Skip(message);
    }
}
