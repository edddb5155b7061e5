namespace ImagePortal.Dicom.Data;

/// <summary>
/// A DICOM file (PS3.10 §7): a 128-byte preamble, "DICM", the file meta information (group 0002) and the data set.
/// Large values of a file opened with <see cref="Open(string, DicomReaderOptions?)"/> stay in the file until used.
/// </summary>
public sealed class DicomFile
{
    /// <summary>PS3.12-style implementation class UID of ImagePortal (a 2.25 UUID-derived UID, PS3.5 §B.2).</summary>
    public const string ImplementationClassUid = "2.25.292037814445466368369846420601261438480";

    /// <summary>Implementation Version Name (0002,0013): up to 16 characters (PS3.7 §D.3.3.2.2).</summary>
    public const string ImplementationVersionName = "IMAGEPORTAL_1";

    public DicomFile(byte[]? preamble, DicomDataset fileMetaInformation, DicomDataset dataset, DicomTransferSyntax transferSyntax)
    {
        if (preamble is not null && preamble.Length != 128)
        {
            throw new ArgumentException("The preamble is 128 bytes (PS3.10 §7.1).", nameof(preamble));
        }

        Preamble = preamble;
        FileMetaInformation = fileMetaInformation;
        Dataset = dataset;
        TransferSyntax = transferSyntax;
    }

    /// <summary>The 128-byte preamble as read (null when the input had none; written as zeros).</summary>
    public byte[]? Preamble { get; set; }

    public DicomDataset FileMetaInformation { get; }

    public DicomDataset Dataset { get; }

    /// <summary>
    /// When the file was read with <see cref="DicomReaderOptions.StopAtTag"/> and stopped there: the byte offset in the
    /// input of the first element not read (e.g. the Pixel Data tag), so a caller can send or copy the rest unparsed.
    /// Null when the data set was read to its end, or is deflated (the offset would be in the inflated data).
    /// </summary>
    public long? StoppedAtOffset { get; init; }

    /// <summary>
    /// What the reader accepted although the standard does not allow it, as DCMTK and pydicom do (zero padding after
    /// the data set, a data set encoded otherwise than the meta header says), one sentence each; empty for a clean file.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The transfer syntax the data set was read in and is written in unless another is asked for.</summary>
    public DicomTransferSyntax TransferSyntax { get; set; }

    /// <summary>
    /// A new file for <paramref name="dataset"/> with file meta information built from its SOP Class and Instance
    /// UIDs (PS3.10 §7.1).
    /// </summary>
    public static DicomFile Create(DicomDataset dataset, DicomTransferSyntax transferSyntax)
    {
        var meta = new DicomDataset();
        meta.SetBytes(DicomTag.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0x00, 0x01 });
        meta.SetString(DicomTag.MediaStorageSOPClassUID, dataset.GetUid(DicomTag.SOPClassUID) ?? throw new ArgumentException("The data set has no SOP Class UID.", nameof(dataset)));
        meta.SetString(DicomTag.MediaStorageSOPInstanceUID, dataset.GetUid(DicomTag.SOPInstanceUID) ?? throw new ArgumentException("The data set has no SOP Instance UID.", nameof(dataset)));
        meta.SetString(DicomTag.TransferSyntaxUID, transferSyntax.Uid);
        meta.SetString(DicomTag.ImplementationClassUID, ImplementationClassUid);
        meta.SetString(DicomTag.ImplementationVersionName, ImplementationVersionName);
        return new DicomFile(null, meta, dataset, transferSyntax);
    }

    /// <summary>Reads a file; values above <see cref="DicomReaderOptions.LargeValueThreshold"/> are read from it again when used.</summary>
    public static DicomFile Open(string path, DicomReaderOptions? options = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return DicomReader.ReadFile(stream, new DicomByteSource.FromFile(Path.GetFullPath(path)), options ?? DicomReaderOptions.Default);
    }

    /// <summary>Reads a file from a stream. Deferred values of a seekable stream are read from it later: keep it open.</summary>
    public static DicomFile Read(Stream stream, DicomReaderOptions? options = null) => DicomReader.ReadFile(stream, options);

    /// <summary>
    /// Writes the file to <paramref name="path"/> through a temporary file in the same folder, so that a file can be
    /// rewritten in place even though its large values are still being read from it.
    /// </summary>
    public void Save(string path, DicomWriterOptions? options = null)
    {
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                Write(stream, options);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            // Never leave a half-written temporary file behind; the original is untouched until the move.
            File.Delete(temporary);
            throw;
        }
    }

    public void Write(Stream stream, DicomWriterOptions? options = null) => DicomWriter.WriteFile(stream, this, options);
}
