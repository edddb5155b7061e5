using ImagePortal.Dicom.Data;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>PS3.18 table 8.7.3-5: the media type of a frame (bulk pixel data) in each transfer syntax.</summary>
public static class FrameMediaTypes
{
    public const string OctetStream = "application/octet-stream";

    /// <summary>
    /// The part's Content-Type: the compressed media type with the transfer syntax as parameter, or octet-stream for the
    /// native syntaxes, whose frames always go little endian (PS3.18 8.7.3.3.2; big endian is swapped when read).
    /// </summary>
    public static string For(DicomTransferSyntax syntax) => syntax.IsEncapsulated
        ? $"{Compressed(syntax.Uid)}; transfer-syntax={syntax.Uid}"
        : $"{OctetStream}; transfer-syntax={DicomTransferSyntax.ExplicitVRLittleEndian.Uid}";

    /// <summary>The type alone (for the multipart's <c>type</c> parameter).</summary>
    public static string TypeOf(DicomTransferSyntax syntax) => syntax.IsEncapsulated ? Compressed(syntax.Uid) : OctetStream;

    private static string Compressed(string uid) => uid switch
    {
        "1.2.840.10008.1.2.4.50" or "1.2.840.10008.1.2.4.51" or "1.2.840.10008.1.2.4.57" or "1.2.840.10008.1.2.4.70" => "image/jpeg",
        "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81" => "image/jls",
        "1.2.840.10008.1.2.4.90" or "1.2.840.10008.1.2.4.91" => "image/jp2",
        "1.2.840.10008.1.2.4.92" or "1.2.840.10008.1.2.4.93" => "image/jpx",
        "1.2.840.10008.1.2.4.201" or "1.2.840.10008.1.2.4.202" or "1.2.840.10008.1.2.4.203" => "image/jphc",
        "1.2.840.10008.1.2.5" => "image/dicom-rle",
        "1.2.840.10008.1.2.4.100" or "1.2.840.10008.1.2.4.101" => "video/mpeg",
        "1.2.840.10008.1.2.4.102" or "1.2.840.10008.1.2.4.103" or "1.2.840.10008.1.2.4.104" or "1.2.840.10008.1.2.4.105"
            or "1.2.840.10008.1.2.4.106" => "video/mp4",
        "1.2.840.10008.1.2.4.107" or "1.2.840.10008.1.2.4.108" => "video/H265",
        _ => OctetStream,
    };
}
