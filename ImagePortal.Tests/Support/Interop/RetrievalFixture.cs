using System.Globalization;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>A portal that runs its retrieval workers and Storage SCP, with short leases and backoff so failures show fast.</summary>
public class RetrievalFixture : UseCaseFixture
{
    public int ScpPort { get; } = FreePort.Next();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Portal:Role"] = "all",
        ["Dicom:Port"] = ScpPort.ToString(CultureInfo.InvariantCulture),
        ["Retrieval:Concurrency"] = "2",
        ["Retrieval:PollInterval"] = "00:00:00.200",
        ["Retrieval:LeaseDuration"] = "00:00:05",
        ["Retrieval:InitialBackoff"] = "00:00:00.300",
        ["Retrieval:MaxBackoff"] = "00:00:01",
        ["Retrieval:MaxAttempts"] = "3",
    };
}
