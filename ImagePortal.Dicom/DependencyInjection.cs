using System.Diagnostics.Metrics;
using ImagePortal.Dicom.Network;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Dicom;

/// <summary>
/// What the DICOM library puts into a host's container. It takes an <see cref="IServiceCollection"/>, not the host
/// builder the other layers take: the library reads no configuration, and the clients and servers it provides are
/// made by their callers with options of their own (the portal's storage SCP, the CLI's scp command).
/// </summary>
public static class DependencyInjection
{
    public static IServiceCollection AddDicom(this IServiceCollection services)
    {
        // One set of DICOM network counters for the process, on the host's meter factory (never a static instance);
        // every DicomClient and DicomServer the host makes is handed this one.
        services.AddSingleton(provider => new DicomNetworkMetrics(provider.GetService<IMeterFactory>()));
        return services;
    }
}
