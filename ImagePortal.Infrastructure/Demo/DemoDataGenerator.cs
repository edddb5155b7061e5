using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Infrastructure.Demo;

/// <summary>The kinds of study the demo PACS hold.</summary>
public enum DemoStudyKind
{
    CtHead,
    CtChest,
    CtAbdomen,
    Mammography,
    ChestCr,
    ChestDx,
}

/// <summary>A fictional patient of the demo region; the same person may have a record at several facilities.</summary>
public sealed record DemoPerson(string Name, string BirthDate, string Sex);

/// <summary>One study of one facility's demo PACS: whose, under which MRN there, what, when.</summary>
public sealed record DemoStudy(DemoPerson Person, string PatientId, DemoStudyKind Kind, string StudyDate, string ReferringPhysician);

/// <summary>
/// Writes a facility's demo studies as Part 10 files: synthetic pixels, realistic tags. Everything is derived
/// from the facility code and the catalogue (UIDs are 2.25 UIDs hashed from names, PS3.5 B.2; noise comes from
/// a seeded random), so two runs write the same studies.
/// </summary>
public static class DemoDataGenerator
{
    public const int CtSlices = 104;
    public const int CtMatrix = 128;

    private const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    private const string MammographyForPresentation = "1.2.840.10008.5.1.4.1.1.1.2";
    private const string CrImageStorage = "1.2.840.10008.5.1.4.1.1.1";
    private const string DxForPresentation = "1.2.840.10008.5.1.4.1.1.1.1";

    /// <summary>Writes every study of <paramref name="studies"/> below <paramref name="folder"/>; returns the number of files.</summary>
    public static int Generate(string folder, string facilityCode, string institutionName, IReadOnlyList<DemoStudy> studies)
    {
        var files = 0;
        for (var index = 0; index < studies.Count; index++)
        {
            var study = studies[index];
            var studyFolder = Directory.CreateDirectory(Path.Combine(folder, $"study{index + 1:D3}")).FullName;
            var context = new StudyContext(facilityCode, institutionName, index, study);
            files += study.Kind switch
            {
                DemoStudyKind.CtHead or DemoStudyKind.CtChest or DemoStudyKind.CtAbdomen => WriteCt(studyFolder, context),
                DemoStudyKind.Mammography => WriteMammography(studyFolder, context),
                _ => WriteChest(studyFolder, context),
            };
        }

        return files;
    }

    /// <summary>A 2.25 UID derived from <paramref name="name"/> (PS3.5 B.2: a UUID-sized number), stable across runs.</summary>
    public static string Uid(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("ImagePortal demo/" + name));
        return "2.25." + new BigInteger(hash.AsSpan(0, 16), isUnsigned: true).ToString(CultureInfo.InvariantCulture);
    }

    private static int WriteCt(string folder, StudyContext context)
    {
        var (description, bodyPart, series) = context.Study.Kind switch
        {
            DemoStudyKind.CtHead => ("CT HEAD WITHOUT CONTRAST", "HEAD", "Axial 2.5mm brain"),
            DemoStudyKind.CtChest => ("CT THORAX WITH CONTRAST", "CHEST", "Axial 2.5mm mediastinum"),
            _ => ("CT ABDOMEN PELVIS WITH CONTRAST", "ABDOMEN", "Axial 2.5mm portal venous"),
        };
        var seriesUid = context.Uid("series1");
        var frameOfReference = context.Uid("frame");
        var random = new Random(context.Seed);
        var pixels = new ushort[CtMatrix * CtMatrix];
        for (var slice = 0; slice < CtSlices; slice++)
        {
            var dataset = context.Base(CtImageStorage, context.Uid($"ct{slice}"), "CT", description, bodyPart, seriesUid, 1, series, slice + 1);
            dataset.SetString(DicomTag.ImageType, "ORIGINAL\\PRIMARY\\AXIAL");
            dataset.SetString(DicomTag.FrameOfReferenceUID, frameOfReference);
            dataset.SetString(DicomTag.SliceThickness, "2.5");
            dataset.SetString(DicomTag.KVP, "120");
            var z = (-slice * 2.5).ToString("0.0", CultureInfo.InvariantCulture);
            dataset.SetString(DicomTag.ImagePositionPatient, $"-175\\-175\\{z}");
            dataset.SetString(DicomTag.ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
            dataset.SetString(DicomTag.SliceLocation, z);
            dataset.SetString(DicomTag.PixelSpacing, "2.734375\\2.734375");
            dataset.SetString(DicomTag.RescaleIntercept, "-1024");
            dataset.SetString(DicomTag.RescaleSlope, "1");
            dataset.SetString(DicomTag.RescaleType, "HU");
            dataset.SetString(DicomTag.WindowCenter, context.Study.Kind == DemoStudyKind.CtHead ? "40" : "50");
            dataset.SetString(DicomTag.WindowWidth, context.Study.Kind == DemoStudyKind.CtHead ? "80" : "400");
            DrawCtSlice(pixels, context.Study.Kind, slice, random);
            SetPixels(dataset, CtMatrix, CtMatrix, 12, pixels);
            Save(dataset, Path.Combine(folder, $"ct{slice + 1:D3}.dcm"));
        }

        return CtSlices;
    }

    private static int WriteMammography(string folder, StudyContext context)
    {
        const int rows = 256, columns = 192;
        var random = new Random(context.Seed);
        var pixels = new ushort[rows * columns];
        var views = new[] { ("R", "CC"), ("L", "CC"), ("R", "MLO"), ("L", "MLO") };
        for (var i = 0; i < views.Length; i++)
        {
            var (side, view) = views[i];
            var seriesUid = context.Uid($"mg-series{i}");
            var dataset = context.Base(MammographyForPresentation, context.Uid($"mg{i}"), "MG", "MAMMOGRAPHY SCREENING BILATERAL", "BREAST", seriesUid, i + 1, $"{side} {view}", 1);
            dataset.SetString(DicomTag.ImageType, "ORIGINAL\\PRIMARY");
            dataset.SetString(DicomTag.PresentationIntentType, "FOR PRESENTATION");
            dataset.SetString(DicomTag.ImageLaterality, side);
            dataset.SetString(DicomTag.Laterality, side);
            dataset.SetString(DicomTag.ViewPosition, view);
            dataset.SetString(DicomTag.PatientOrientation, side == "R" ? "A\\L" : "P\\R");
            dataset.SetString(DicomTag.ImagerPixelSpacing, "0.5\\0.5");
            dataset.SetString(DicomTag.KVP, "29");
            dataset.SetString(DicomTag.WindowCenter, "2048");
            dataset.SetString(DicomTag.WindowWidth, "4096");
            DrawBreast(pixels, rows, columns, side == "R", view == "MLO", random);
            SetPixels(dataset, rows, columns, 12, pixels);
            Save(dataset, Path.Combine(folder, $"mg{i + 1}.dcm"));
        }

        return views.Length;
    }

    private static int WriteChest(string folder, StudyContext context)
    {
        const int size = 256;
        var dx = context.Study.Kind == DemoStudyKind.ChestDx;
        var modality = dx ? "DX" : "CR";
        var random = new Random(context.Seed);
        var pixels = new ushort[size * size];
        var views = new[] { ("PA", "Chest PA"), ("LL", "Chest lateral") };
        for (var i = 0; i < views.Length; i++)
        {
            var (view, name) = views[i];
            var seriesUid = context.Uid($"xr-series{i}");
            var dataset = context.Base(dx ? DxForPresentation : CrImageStorage, context.Uid($"xr{i}"), modality, "XR CHEST 2 VIEWS", "CHEST", seriesUid, i + 1, name, 1);
            dataset.SetString(DicomTag.ImageType, "ORIGINAL\\PRIMARY");
            dataset.SetString(DicomTag.ViewPosition, view);
            dataset.SetString(DicomTag.PatientOrientation, view == "PA" ? "L\\F" : "A\\F");
            dataset.SetString(DicomTag.ImagerPixelSpacing, "1.4\\1.4");
            dataset.SetString(DicomTag.KVP, view == "PA" ? "120" : "125");
            if (dx)
            {
                dataset.SetString(DicomTag.PresentationIntentType, "FOR PRESENTATION");
            }

            dataset.SetString(DicomTag.WindowCenter, "2048");
            dataset.SetString(DicomTag.WindowWidth, "4096");
            DrawChest(pixels, size, view == "LL", random);
            SetPixels(dataset, size, size, 12, pixels);
            Save(dataset, Path.Combine(folder, $"xr{i + 1}.dcm"));
        }

        return views.Length;
    }

    private static void SetPixels(DicomDataset dataset, int rows, int columns, int bitsStored, ushort[] pixels)
    {
        dataset.SetUInt16(DicomTag.SamplesPerPixel, 1);
        dataset.SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        dataset.SetUInt16(DicomTag.Rows, (ushort)rows);
        dataset.SetUInt16(DicomTag.Columns, (ushort)columns);
        dataset.SetUInt16(DicomTag.BitsAllocated, 16);
        dataset.SetUInt16(DicomTag.BitsStored, (ushort)bitsStored);
        dataset.SetUInt16(DicomTag.HighBit, (ushort)(bitsStored - 1));
        dataset.SetUInt16(DicomTag.PixelRepresentation, 0);
        dataset.SetValues(DicomTag.PixelData, DicomVR.OW, pixels);
    }

    private static void Save(DicomDataset dataset, string path) =>
        DicomFile.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);

    /// <summary>An axial slice: air, an elliptic body with fat rim, organs that change along the table, bone.</summary>
    private static void DrawCtSlice(ushort[] pixels, DemoStudyKind kind, int slice, Random random)
    {
        const int n = CtMatrix;
        var t = slice / (double)(CtSlices - 1);
        var head = kind == DemoStudyKind.CtHead;
        var rx = head ? 0.34 + 0.1 * Math.Sin(Math.PI * t) : 0.44;
        var ry = head ? 0.40 + 0.08 * Math.Sin(Math.PI * t) : 0.30;
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                var u = (x - n / 2.0) / n;
                var v = (y - n / 2.0) / n;
                var r = (u * u) / (rx * rx) + (v * v) / (ry * ry);
                double hu;
                if (r > 1)
                {
                    hu = -1000;
                }
                else if (head)
                {
                    hu = r > 0.85 ? 900 : 35 + (r < 0.05 ? 10 : 0);
                }
                else if (r > 0.85)
                {
                    hu = -90;
                }
                else
                {
                    var spine = Square(u) + Square(v - 0.2) < 0.0025;
                    var lungs = kind == DemoStudyKind.CtChest && Square(Math.Abs(u) - 0.2) / 0.02 + Square(v + 0.02) / 0.04 < 1;
                    var liver = kind == DemoStudyKind.CtAbdomen && Square(u + 0.15 + 0.05 * t) / 0.02 + Square(v + 0.05) / 0.015 < 1;
                    hu = spine ? 700 : lungs ? -820 : liver ? 60 : 40;
                }

                pixels[y * n + x] = Stored(hu + 1024 + random.Next(-12, 13));
            }
        }
    }

    private static void DrawBreast(ushort[] pixels, int rows, int columns, bool right, bool oblique, Random random)
    {
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < columns; x++)
            {
                // The chest wall is on the image edge of the breast's side; the tissue is a half ellipse.
                var fromWall = right ? x : columns - 1 - x;
                var u = fromWall / (columns * 0.8);
                var v = (y - rows / 2.0) / (rows * (oblique ? 0.48 : 0.4));
                var inside = u * u + v * v < 1;
                var value = inside ? 1500 + 900 * (1 - u) + random.Next(-60, 61) : 60 + random.Next(0, 20);
                pixels[y * columns + x] = Stored(value);
            }
        }
    }

    private static void DrawChest(ushort[] pixels, int size, bool lateral, Random random)
    {
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var u = (x - size / 2.0) / size;
                var v = (y - size / 2.0) / size;
                var body = Square(u / 0.42) + Square(v / 0.48) < 1;
                var lung = lateral
                    ? Square((u + 0.02) / 0.28) + Square((v + 0.05) / 0.33) < 1
                    : Square((Math.Abs(u) - 0.17) / 0.13) + Square((v + 0.05) / 0.33) < 1;
                var spine = !lateral && Math.Abs(u) < 0.03;
                var value = !body ? 3900 : spine ? 600 : lung ? 3000 : 1300;
                pixels[y * size + x] = Stored(value + random.Next(-40, 41));
            }
        }
    }

    private static double Square(double value) => value * value;

    private static ushort Stored(double value) => (ushort)Math.Clamp(value, 0, 4095);

    private sealed class StudyContext(string facilityCode, string institutionName, int index, DemoStudy study)
    {
        private readonly string _studyUid = DemoDataGenerator.Uid($"{facilityCode}/{index}/{study.PatientId}/{study.Kind}/{study.StudyDate}");

        public DemoStudy Study => study;

        public int Seed => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(_studyUid)), 0);

        public string Uid(string part) => DemoDataGenerator.Uid($"{_studyUid}/{part}");

        /// <summary>Patient, study, series, equipment and instance modules common to every image.</summary>
        public DicomDataset Base(string sopClass, string sopInstance, string modality, string description, string bodyPart, string seriesUid, int seriesNumber, string seriesDescription, int instanceNumber)
        {
            var dataset = new DicomDataset();
            // PS3.5 6.1.2.3: Latin-1 covers Irish and most European names; names outside it are written in UTF-8.
            var latin1 = study.Person.Name.All(c => c <= 0xFF);
            dataset.SetString(DicomTag.SpecificCharacterSet, latin1 ? "ISO_IR 100" : "ISO_IR 192");
            dataset.SetString(DicomTag.SOPClassUID, sopClass);
            dataset.SetString(DicomTag.SOPInstanceUID, sopInstance);
            dataset.SetString(DicomTag.StudyDate, study.StudyDate);
            dataset.SetString(DicomTag.SeriesDate, study.StudyDate);
            dataset.SetString(DicomTag.ContentDate, study.StudyDate);
            var time = (8 + index % 9).ToString("D2", CultureInfo.InvariantCulture) + ((index * 7) % 60).ToString("D2", CultureInfo.InvariantCulture) + "00";
            dataset.SetString(DicomTag.StudyTime, time);
            dataset.SetString(DicomTag.SeriesTime, time);
            dataset.SetString(DicomTag.ContentTime, time);
            dataset.SetString(DicomTag.AccessionNumber, $"{facilityCode}{study.StudyDate[2..]}{index + 1:D2}");
            dataset.SetString(DicomTag.Modality, modality);
            dataset.SetString(DicomTag.Manufacturer, "ImagePortal Demo");
            dataset.SetString(DicomTag.InstitutionName, institutionName);
            dataset.SetString(DicomTag.ReferringPhysicianName, study.ReferringPhysician);
            dataset.SetString(DicomTag.StationName, facilityCode + (modality == "CT" ? "CT1" : modality + "1"));
            dataset.SetString(DicomTag.StudyDescription, description);
            dataset.SetString(DicomTag.SeriesDescription, seriesDescription);
            dataset.SetString(DicomTag.PatientName, study.Person.Name);
            dataset.SetString(DicomTag.PatientID, study.PatientId);
            dataset.SetString(DicomTag.IssuerOfPatientID, facilityCode + "-MRN");
            dataset.SetString(DicomTag.PatientBirthDate, study.Person.BirthDate);
            dataset.SetString(DicomTag.PatientSex, study.Person.Sex);
            dataset.SetString(DicomTag.PatientAge, Age(study.Person.BirthDate, study.StudyDate));
            dataset.SetString(DicomTag.BodyPartExamined, bodyPart);
            dataset.SetString(DicomTag.StudyInstanceUID, _studyUid);
            dataset.SetString(DicomTag.SeriesInstanceUID, seriesUid);
            dataset.SetString(DicomTag.StudyID, (index + 1).ToString(CultureInfo.InvariantCulture));
            dataset.SetString(DicomTag.SeriesNumber, seriesNumber.ToString(CultureInfo.InvariantCulture));
            dataset.SetString(DicomTag.InstanceNumber, instanceNumber.ToString(CultureInfo.InvariantCulture));
            return dataset;
        }

        private static string Age(string birthDate, string studyDate)
        {
            var born = DateOnly.ParseExact(birthDate, "yyyyMMdd", CultureInfo.InvariantCulture);
            var seen = DateOnly.ParseExact(studyDate, "yyyyMMdd", CultureInfo.InvariantCulture);
            var years = seen.Year - born.Year - (seen < born.AddYears(seen.Year - born.Year) ? 1 : 0);
            return years.ToString("D3", CultureInfo.InvariantCulture) + "Y";
        }
    }
}
