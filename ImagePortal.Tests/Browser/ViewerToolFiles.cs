using System.Globalization;
using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The files the viewer's tools are tried on, written here because pydicom's test files (as installed) have no cine
/// with a frame time, no mammography pair and no MONOCHROME1 image: a cine XA, a two-series mammography study and a
/// MONOCHROME1 radiograph (with and without a window). Each has its own study.
/// </summary>
public static class ViewerToolFiles
{
    public const int Size = 64;

    /// <summary>Frames of the cine; its Frame Time is 100 ms and its Cine Rate 10 a second.</summary>
    public const int CineFrames = 8;

    public const int CineRate = 10;

    /// <summary>An XA cine of <see cref="CineFrames"/> 8-bit frames, each a bright bar further right than the last.</summary>
    public static string WriteCine(string folder, string studyUid)
    {
        var dataset = Header(studyUid, SyntheticStudy.NewUid(), "1.2.840.10008.5.1.4.1.1.12.1", "XA", "Coronary cine", "Left coronary", 1, 1);
        dataset.SetString(DicomTag.NumberOfFrames, CineFrames.ToString(CultureInfo.InvariantCulture));
        dataset.SetString(DicomTag.FrameTime, "100");
        dataset.SetString(DicomTag.CineRate, CineRate.ToString(CultureInfo.InvariantCulture));
        Pixels(dataset, "MONOCHROME2", bits: 8);
        var pixels = new byte[Size * Size * CineFrames];
        for (var frame = 0; frame < CineFrames; frame++)
        {
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    pixels[(frame * Size * Size) + (y * Size) + x] = (byte)(Math.Abs(x - (4 + (frame * 7))) < 3 ? 240 : 20 + y);
                }
            }
        }

        dataset.SetValues(DicomTag.PixelData, DicomVR.OB, pixels);
        return Save(dataset, folder, "cine.dcm");
    }

    /// <summary>A mammography study of two series (left CC, right CC), a disc on the left in one and on the right in the other.</summary>
    public static IReadOnlyList<string> WriteMammography(string folder, string studyUid)
    {
        var files = new List<string>();
        foreach (var (number, description, centre) in new[] { (1, "L CC", 18), (2, "R CC", 46) })
        {
            var dataset = Header(studyUid, SyntheticStudy.NewUid(), "1.2.840.10008.5.1.4.1.1.1.2", "MG", "Screening mammography", description, number, 1);
            Pixels(dataset, "MONOCHROME2", bits: 16);
            dataset.SetString(DicomTag.WindowCenter, "2000");
            dataset.SetString(DicomTag.WindowWidth, "4000");
            var pixels = new ushort[Size * Size];
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var (dx, dy) = (x - centre, y - (Size / 2));
                    pixels[(y * Size) + x] = (ushort)((dx * dx) + (dy * dy) < 14 * 14 ? 3000 + (10 * y) : 200);
                }
            }

            dataset.SetValues(DicomTag.PixelData, DicomVR.OW, pixels);
            files.Add(Save(dataset, folder, $"mg{number}.dcm"));
        }

        return files;
    }

    /// <summary>
    /// A MONOCHROME1 radiograph in two series, "PA" with a window (centre 2048, width 4096) and "LAT" without: stored values
    /// rise from left (0) to right (4095), so each must show brightest on the left. Returns the files, PA first.
    /// </summary>
    public static IReadOnlyList<string> WriteMonochrome1(string folder, string studyUid)
    {
        var files = new List<string>();
        foreach (var (number, description, windowed) in new[] { (1, "PA", true), (2, "LAT", false) })
        {
            var dataset = Header(studyUid, SyntheticStudy.NewUid(), "1.2.840.10008.5.1.4.1.1.1", "CR", "Chest", description, number, 1);
            Pixels(dataset, "MONOCHROME1", bits: 16);
            if (windowed)
            {
                dataset.SetString(DicomTag.WindowCenter, "2048");
                dataset.SetString(DicomTag.WindowWidth, "4096");
            }

            var pixels = new ushort[Size * Size];
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    pixels[(y * Size) + x] = (ushort)(4095 * x / (Size - 1));
                }
            }

            dataset.SetValues(DicomTag.PixelData, DicomVR.OW, pixels);
            files.Add(Save(dataset, folder, $"mono1-{number}.dcm"));
        }

        return files;
    }

    private static DicomDataset Header(string studyUid, string seriesUid, string sopClass, string modality, string study, string series, int seriesNumber, int instance)
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        dataset.SetString(DicomTag.SOPClassUID, sopClass);
        dataset.SetString(DicomTag.SOPInstanceUID, SyntheticStudy.NewUid());
        dataset.SetString(DicomTag.StudyDate, "20250302");
        dataset.SetString(DicomTag.StudyTime, "091000");
        dataset.SetString(DicomTag.Modality, modality);
        dataset.SetString(DicomTag.StudyDescription, study);
        dataset.SetString(DicomTag.SeriesDescription, series);
        dataset.SetString(DicomTag.PatientName, "VIEWER^TOOLS");
        dataset.SetString(DicomTag.PatientID, "SBR-7103");
        dataset.SetString(DicomTag.PatientBirthDate, "19650505");
        dataset.SetString(DicomTag.PatientSex, "F");
        dataset.SetString(DicomTag.StudyInstanceUID, studyUid);
        dataset.SetString(DicomTag.SeriesInstanceUID, seriesUid);
        dataset.SetString(DicomTag.StudyID, "1");
        dataset.SetString(DicomTag.SeriesNumber, seriesNumber.ToString(CultureInfo.InvariantCulture));
        dataset.SetString(DicomTag.InstanceNumber, instance.ToString(CultureInfo.InvariantCulture));
        return dataset;
    }

    private static void Pixels(DicomDataset dataset, string photometric, ushort bits)
    {
        dataset.SetUInt16(DicomTag.SamplesPerPixel, 1);
        dataset.SetString(DicomTag.PhotometricInterpretation, photometric);
        dataset.SetUInt16(DicomTag.Rows, Size);
        dataset.SetUInt16(DicomTag.Columns, Size);
        dataset.SetUInt16(DicomTag.BitsAllocated, bits);
        dataset.SetUInt16(DicomTag.BitsStored, bits == 8 ? (ushort)8 : (ushort)12);
        dataset.SetUInt16(DicomTag.HighBit, bits == 8 ? (ushort)7 : (ushort)11);
        dataset.SetUInt16(DicomTag.PixelRepresentation, 0);
    }

    private static string Save(DicomDataset dataset, string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        DicomFile.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }
}
