namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// The STOW-RS failure and warning reasons (PS3.18 Table 10.5.3-1, the storage service's status codes of PS3.4 Annex B
/// and GG) in words, for the outcome shown to the user. Codes not listed keep their number.
/// </summary>
public static class StowReasons
{
    public static string Describe(ushort code) => code switch
    {
        0x0110 => $"processing failure (0x{code:X4})",
        0x0122 => $"SOP class not supported (0x{code:X4})",
        0x0124 => $"not authorized (0x{code:X4})",
        0xA700 => $"out of resources (0x{code:X4})",
        0xA770 => $"transfer failed (0x{code:X4})",
        0xA771 => $"SOP class not supported by the node (0x{code:X4})",
        0xA772 => $"transfer syntax not supported (0x{code:X4})",
        0xA900 => $"data set does not match the SOP class (0x{code:X4})",
        0xB000 => $"elements were coerced (0x{code:X4})",
        0xB006 => $"elements were discarded (0x{code:X4})",
        0xB007 => $"data set does not match the SOP class (0x{code:X4})",
        >= 0xC000 and <= 0xCFFF => $"cannot understand (0x{code:X4})",
        _ => $"status 0x{code:X4}",
    };
}
