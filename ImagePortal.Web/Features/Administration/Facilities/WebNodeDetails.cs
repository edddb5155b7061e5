using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>A DICOMweb node's endpoint as the administration page shows it: whether a secret is stored, never the secret.</summary>
public sealed record WebNodeDetails(
    string BaseUrl, WebAuthentication Authentication, string? UserName, string? TokenUrl, string? ClientId, string? Scope, string? PinnedCaPem,
    int TimeoutSeconds, bool HasSecret);
