using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal whose spool holds less than one of the test's instances.</summary>
public sealed class TinySpoolRetrievalFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:SpoolLimitBytes"] = "600",
        ["Retrieval:MaxAttempts"] = "2",
    };
}
