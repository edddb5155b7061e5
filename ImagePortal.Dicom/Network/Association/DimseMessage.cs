using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>
/// A received DIMSE message: its command and, when the command says one follows, its data set as a
/// stream in <see cref="PresentationContext"/>'s transfer syntax. The stream reads from the
/// association as it is consumed and is only valid until the next message is received.
/// </summary>
public sealed record DimseMessage(PresentationContext PresentationContext, DimseCommand Command, Stream? DataSet)
{
    /// <summary>
    /// The response to this request (PS3.7 9.3): its command field with the response bit, its message ID, its SOP
    /// class (the context's when the request named none) and <paramref name="status"/>; an error comment only with a
    /// failure or a warning (PS3.7 C.4).
    /// </summary>
    internal DimseCommand NewResponse(DimseStatus status, string? comment = null)
    {
        var response = new DimseCommand
        {
            CommandField = (DimseCommandField)((ushort)Command.CommandField | 0x8000),
            MessageIdBeingRespondedTo = Command.MessageId,
            AffectedSopClassUid = Command.AffectedSopClassUid ?? PresentationContext.AbstractSyntax,
            Status = status,
        };
        if (comment is not null && status.Class is DimseStatusClass.Failure or DimseStatusClass.Warning)
        {
            response.ErrorComment = comment;
        }

        return response;
    }

    /// <summary>Reads what is left of the data set, if any, so that the next message can be received.</summary>
    internal async Task SkipDataSetAsync(CancellationToken cancellationToken)
    {
        if (DataSet is { } rest)
        {
            await rest.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
    }
}
