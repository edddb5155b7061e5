using ImagePortal.Web.Features.Viewing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Tests.Support;

/// <summary>A viewing cache on its own, under a test's data folder (no portal around it).</summary>
public static class ViewingCaches
{
    public static InstanceCache Create(string dataDirectory, ViewingSettings settings, TimeProvider clock)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = dataDirectory }).Build();
        return new InstanceCache(new FixedOptionsMonitor<ViewingSettings>(settings), configuration, new Environment(dataDirectory), clock, NullLogger<InstanceCache>.Instance);
    }

    private sealed class Environment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "ImagePortal.Tests";

        public string ContentRootPath { get; set; } = root;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
