using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Facilities;

/// <summary>
/// A DICOM Application Entity title: 1 to 16 characters of the default repertoire, no backslash, no control
/// characters, not only spaces (PS3.5 6.2, VR AE). Leading and trailing spaces are not significant.
/// </summary>
public readonly record struct AeTitle
{
    public const int MaxLength = 16;

    private AeTitle(string value) => Value = value;

    public string Value { get; }

    public static AeTitle Parse(string? text)
    {
        if (!TryParse(text, out var title, out var error))
        {
            throw new DomainException(error);
        }

        return title;
    }

    public static bool TryParse(string? text, out AeTitle title, out string error)
    {
        title = default;
        var trimmed = text?.Trim(' ') ?? string.Empty;
        if (trimmed.Length == 0)
        {
            error = "The AE title is required.";
            return false;
        }

        if (trimmed.Length > MaxLength)
        {
            error = $"The AE title must be at most {MaxLength} characters.";
            return false;
        }

        foreach (var c in trimmed)
        {
            if (c == '\\')
            {
                error = "The AE title must not contain a backslash.";
                return false;
            }

            if (c < 0x20 || c > 0x7E)
            {
                error = "The AE title may only contain printable ASCII characters.";
                return false;
            }
        }

        error = string.Empty;
        title = new AeTitle(trimmed);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
