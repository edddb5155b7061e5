using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>
/// A WADO-RS part stands in for a C-STORE sub-operation, which names the instance its data set holds. pydicom's
/// rtdose.dcm names another SOP Instance UID in its meta group (0002,0003) than in its data set (0008,0018): by C-GET,
/// Orthanc sends it under the data set's UID and the viewer shows it; by WADO-RS the portal took the meta group's, so
/// the viewer's fetch from a DICOMweb PACS did not find the instance it asked for (502, DicomWebOnWebPacsTests).
/// </summary>
public sealed class WadoPartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APart_IsTheInstanceItsDataSetHolds_WhateverItsMetaGroupSays_AndItsDataSetIsHandedOverWhole()
    {
        var bytes = await File.ReadAllBytesAsync(TestFiles.Require("rtdose.dcm"), Ct);
        await using var body = new MemoryStream(bytes);

        var instance = await WadoRetrieve.ReadAsync(new DicomWebPart(0, "application/dicom", null, null, body), "SBR archive", Ct);

        Assert.Equal(("1.2.840.10008.5.1.4.1.1.481.2", "1.9.999.999.99.9.9999.9999.20030818153516", "1.2.840.10008.1.2"),
            (instance.SopClassUid, instance.SopInstanceUid, instance.TransferSyntaxUid));
        // The data set starts after the 128-byte preamble, "DICM" and the 168 bytes of its meta group.
        Assert.Equal(bytes[300..], await ReadAllAsync(instance.DataSet));
    }

    [Fact]
    public async Task ADataSetLargerThanTheLookAhead_IsHandedOverWhole()
    {
        using var folder = new TempDirectory("wado-part");
        var study = SyntheticStudy.Write(folder.Path, series: 1, imagesPerSeries: 1, rows: 256, columns: 256);
        var bytes = await File.ReadAllBytesAsync(study.Files[0], Ct);
        await using var body = new MemoryStream(bytes);

        var instance = await WadoRetrieve.ReadAsync(new DicomWebPart(0, "application/dicom", null, null, body), "SBR archive", Ct);

        Assert.Equal((SyntheticStudy.CtImageStorage, study.SopInstanceUids[0]), (instance.SopClassUid, instance.SopInstanceUid));
        var dataSet = await ReadAllAsync(instance.DataSet);
        Assert.True(dataSet.Length > 128 * 1024);
        Assert.True(bytes.AsSpan().EndsWith(dataSet));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }
}
