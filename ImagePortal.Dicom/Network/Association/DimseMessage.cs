using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>
/// A received DIMSE message: its command and, when the command says one follows, its data set as a
/// stream in <see cref="PresentationContext"/>'s transfer syntax. The stream reads from the
/// association as it is consumed and is only valid until the next message is received.
/// </summary>
public sealed record DimseMessage(PresentationContext PresentationContext, DimseCommand Command, Stream? DataSet);
