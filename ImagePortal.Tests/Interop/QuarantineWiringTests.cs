using ImagePortal.Infrastructure.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImagePortal.Tests.Interop;

/// <summary>Where the quarantine's pieces run: the retention beside the workers, one folder for the workers and the release.</summary>
public sealed class QuarantineWiringTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    [Fact]
    public void TheWorkersQuarantine_IsTheFolderReleasesAndTheRetentionUse_AndTheRetentionRunsBesideTheWorkers()
    {
        Assert.Equal(fixture.Services.GetRequiredService<SpoolBudget>().QuarantineDirectory, fixture.Services.GetRequiredService<QuarantineStore>().Directory);
        Assert.Contains(fixture.Services.GetServices<IHostedService>(), s => s is QuarantinePurgeService);
    }
}
