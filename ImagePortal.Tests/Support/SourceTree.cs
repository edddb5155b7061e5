namespace ImagePortal.Tests.Support;

/// <summary>The repository's own source files, for tests that read the code as a reviewer would.</summary>
public static class SourceTree
{
    public static string Root { get; } = FindRoot();

    /// <summary>The C# and Razor files of one project, without its build output.</summary>
    public static IEnumerable<string> FilesOf(string project, params string[] extensions)
    {
        var directory = Path.Combine(Root, project);
        var obj = $"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}";
        var bin = $"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}";
        return Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
            .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.Ordinal)))
            .Where(f => !f.Contains(obj, StringComparison.Ordinal) && !f.Contains(bin, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ImagePortal.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ImagePortal.sln not found above the test binaries.");
    }
}
