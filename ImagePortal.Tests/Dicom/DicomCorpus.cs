using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Dicom;

/// <summary>The files of Debian's python3-pydicom test corpus (PS3.10 files written by many toolkits, some broken on purpose).</summary>
public static class DicomCorpus
{
    public const string Root = "/usr/lib/python3/dist-packages/pydicom/data";

    /// <summary>Every .dcm file of test_files and charset_files (nested folders included), for [MemberData].</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        if (!Directory.Exists(Root))
        {
            // A single placeholder lets the theory run and skip (or fail on CI) with the package to install.
            data.Add(Path.Combine(Root, "missing"));
            return data;
        }

        foreach (var folder in new[] { "test_files", "charset_files" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, folder), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (IsDicomCandidate(file))
                {
                    data.Add(Path.GetRelativePath(Root, file));
                }
            }
        }

        return data;
    }

    public static string Require(string relativePath)
    {
        ExternalTools.RequireDirectory(Root, "python3-pydicom");
        return Path.Combine(Root, relativePath);
    }

    /// <summary>.dcm files, and extension-less files of the DICOMDIR test folders; not the JSON, dumps, gz and text files beside them.</summary>
    private static bool IsDicomCandidate(string file)
    {
        var extension = Path.GetExtension(file);
        return extension.Equals(".dcm", StringComparison.OrdinalIgnoreCase)
            || (extension.Length == 0 && !Path.GetFileName(file).StartsWith('.'));
    }
}
