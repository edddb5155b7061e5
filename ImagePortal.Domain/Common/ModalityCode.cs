namespace ImagePortal.Domain.Common;

/// <summary>
/// What a modality code may be, wherever one is typed (a request's scope, a look-up, an agreement's scope): Modality
/// (0008,0060) is CS, upper-case letters, digits and underscore (a space only pads), 16 characters at most (PS3.5 6.2).
/// </summary>
public static class ModalityCode
{
    public const string NotAModalityCode = "A modality is not a DICOM modality code.";

    public static bool IsValid(string code) =>
        code.Length is > 0 and <= 16 && code.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_');
}
