namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>
/// PS3.5 6.2 (AE VR): an AE title is 1 to 16 characters of the default repertoire, no backslash or control characters.
/// The check for an AE title as it travels in a PDU or a DIMSE field (a plain string); the portal's own value type,
/// with its normalisation and messages for people, is <c>ImagePortal.Domain.Facilities.AeTitle</c>.
/// </summary>
public static class AeTitleSyntax
{
    public static void Validate(string aeTitle, string parameterName)
    {
        if (!IsValid(aeTitle))
        {
            throw new ArgumentException($"'{aeTitle}' is not a valid AE title: 1 to 16 printable ASCII characters, no backslash.", parameterName);
        }
    }

    public static bool IsValid(string aeTitle)
    {
        var trimmed = aeTitle.Trim(' ');
        return trimmed.Length is > 0 and <= 16 && !trimmed.Any(c => c < 0x20 || c > 0x7E || c == '\\');
    }
}
