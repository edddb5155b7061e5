namespace ImagePortal.Tests.Support.Interop;

/// <summary>The same DICOMweb retry settings on a fresh PostgreSQL database.</summary>
public sealed class WebNodeConnectionOnPostgreSqlFixture : PostgreSqlUseCaseFixture
{
    protected override IReadOnlyDictionary<string, string?> PortalSettings => WebNodeConnectionFixture.FastRetry;
}
