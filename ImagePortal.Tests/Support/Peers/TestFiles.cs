namespace ImagePortal.Tests.Support.Peers;

/// <summary>The pydicom test corpus (Debian python3-pydicom), one file per transfer syntax family.</summary>
public static class TestFiles
{
    public const string CorpusFolder = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    public static string Require(string name) =>
        ExternalTools.RequireFile(Path.Combine(ExternalTools.RequireDirectory(CorpusFolder, "python3-pydicom"), name), "python3-pydicom");

    /// <summary>
    /// Explicit LE (CT), implicit LE (MR), explicit BE (segmentation): the uncompressed transfer
    /// syntaxes DCMTK's storescu proposes by default, three SOP classes, three distinct instance UIDs.
    /// </summary>
    public static IReadOnlyList<string> Uncompressed() =>
    [
        Require("CT_small.dcm"),
        Require("MR_small_implicit.dcm"),
        Require("liver_expb_1frame.dcm"),
    ];

    /// <summary>The uncompressed three plus RLE (secondary capture) and deflated explicit LE.</summary>
    public static IReadOnlyList<string> MixedTransferSyntaxes() =>
    [
        .. Uncompressed(),
        Require("SC_rgb_rle.dcm"),
        Require("image_dfl.dcm"),
    ];
}
