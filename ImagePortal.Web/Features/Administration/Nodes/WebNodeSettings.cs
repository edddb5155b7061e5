using System.Text;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>
/// A DICOMweb node's service root and authentication as an administrator enters them. The password or client secret is
/// write-only: <see cref="Secret"/> replaces the stored one when given, an empty one keeps it, <see cref="ClearSecret"/>
/// forgets it. It is never read back, and never printed (<see cref="PrintMembers"/>).
/// </summary>
/// <param name="TimeoutSeconds">How long to wait for an answer to begin.</param>
public sealed record WebNodeSettings(
    string BaseUrl, WebAuthentication Authentication, string? UserName = null, string? TokenUrl = null, string? ClientId = null,
    string? Scope = null, string? PinnedCaPem = null, int TimeoutSeconds = 60, string? Secret = null, bool ClearSecret = false)
{
    public bool HasNewSecret => !string.IsNullOrEmpty(Secret);

    public DicomWebEndpoint ToEndpoint() =>
        DicomWebEndpoint.Create(BaseUrl, Authentication, UserName, TokenUrl, ClientId, Scope, PinnedCaPem, TimeoutSeconds);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"BaseUrl = {BaseUrl}, Authentication = {Authentication}, UserName = {UserName}, TokenUrl = {TokenUrl}, ClientId = {ClientId}, ");
        builder.Append($"Scope = {Scope}, PinnedCa = {PinnedCaPem is not null}, TimeoutSeconds = {TimeoutSeconds}, Secret = {(HasNewSecret ? "(given)" : "(none)")}, ClearSecret = {ClearSecret}");
        return true;
    }
}
