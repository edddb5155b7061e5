using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Client;

/// <summary>A C-FIND response with its identifier decoded (null on the final response).</summary>
public sealed record FindResult(DimseStatus Status, DicomDataset? Identifier, string? ErrorComment);
