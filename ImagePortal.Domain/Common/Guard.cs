namespace ImagePortal.Domain.Common;

internal static class Guard
{
    public static string Required(string? value, string what, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new DomainException($"{what} is required.");
        }

        if (trimmed.Length > maxLength)
        {
            throw new DomainException($"{what} must be at most {maxLength} characters.");
        }

        if (trimmed.Any(char.IsControl))
        {
            throw new DomainException($"{what} must not contain control characters.");
        }

        return trimmed;
    }

    public static string? Optional(string? value, string what, int maxLength) =>
        string.IsNullOrWhiteSpace(value) ? null : Required(value, what, maxLength);
}
