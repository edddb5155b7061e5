using ImagePortal.Domain.Retrievals;

namespace ImagePortal.Web.Features.Administration;

/// <summary>What a release and a delete both ask of the administrator's input.</summary>
internal static class QuarantineRules
{
    public static IEnumerable<string> ValidateReason(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            yield return "A reason is required.";
        }
        else if (reason.Trim().Length > QuarantinedInstance.MaxReasonLength)
        {
            yield return $"The reason must be at most {QuarantinedInstance.MaxReasonLength} characters.";
        }
    }
}
