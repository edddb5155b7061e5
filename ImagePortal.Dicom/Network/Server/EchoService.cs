using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>PS3.7 9.1.5 C-ECHO: the provider's status, or success when the server was given none.</summary>
internal sealed class EchoService(IDicomEchoProvider? provider)
{
    public async Task HandleAsync(ServedRequest request, CancellationToken stopping)
    {
        var status = provider is null ? DimseStatus.Success : await provider.EchoAsync(request.Caller, stopping).ConfigureAwait(false);
        await request.RespondAsync(status, stopping).ConfigureAwait(false);
    }
}
