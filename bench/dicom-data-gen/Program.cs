using System.Globalization;
using System.Numerics;
using ImagePortal.Dicom.Data;

// Usage: dicom-data-gen OUTPUT_FOLDER [SLICES=300]
// Writes a CT study of 512×512 16-bit slices (about 0.5 MB each) in explicit VR little endian, as a scanner would.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: dicom-data-gen OUTPUT_FOLDER [SLICES]");
    return 2;
}

var folder = Directory.CreateDirectory(args[0]).FullName;
var slices = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
const int size = 512;
var study = NewUid();
var series = NewUid();
var frame = NewUid();
var pixels = new short[size * size];
for (var i = 0; i < slices; i++)
{
    // A disc of "tissue" whose radius changes along the study, on air (-1000 HU): realistic enough to compress, if anyone tries.
    var radius = 150 + 80 * Math.Sin(i * Math.PI / slices);
    for (var y = 0; y < size; y++)
    {
        for (var x = 0; x < size; x++)
        {
            var dx = x - size / 2;
            var dy = y - size / 2;
            pixels[y * size + x] = (short)(dx * dx + dy * dy < radius * radius ? 40 + ((x ^ y ^ i) & 31) : -1000);
        }
    }

    var dataset = new DicomDataset();
    dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
    dataset.SetStrings(DicomTag.ImageType, "ORIGINAL", "PRIMARY", "AXIAL");
    dataset.SetString(DicomTag.SOPClassUID, DicomUid.CTImageStorage);
    dataset.SetString(DicomTag.SOPInstanceUID, NewUid());
    dataset.SetString(DicomTag.StudyDate, "20261129");
    dataset.SetString(DicomTag.StudyTime, "193000");
    dataset.SetString(DicomTag.AccessionNumber, "BENCH0001");
    dataset.SetString(DicomTag.Modality, "CT");
    dataset.SetString(DicomTag.Manufacturer, "ImagePortal bench");
    dataset.SetString(DicomTag.PatientName, "Bench^Patient");
    dataset.SetString(DicomTag.PatientID, "BENCH-PID");
    dataset.SetString(DicomTag.PatientBirthDate, "19700101");
    dataset.SetString(DicomTag.PatientSex, "O");
    dataset.SetString(DicomTag.SliceThickness, "1");
    dataset.SetString(DicomTag.KVP, "120");
    dataset.SetString(DicomTag.StudyInstanceUID, study);
    dataset.SetString(DicomTag.SeriesInstanceUID, series);
    dataset.SetString(DicomTag.StudyID, "1");
    dataset.SetString(DicomTag.SeriesNumber, "1");
    dataset.SetString(DicomTag.InstanceNumber, (i + 1).ToString(CultureInfo.InvariantCulture));
    dataset.SetStrings(DicomTag.ImagePositionPatient, "-250", "-250", (-i).ToString(CultureInfo.InvariantCulture));
    dataset.SetStrings(DicomTag.ImageOrientationPatient, "1", "0", "0", "0", "1", "0");
    dataset.SetString(DicomTag.FrameOfReferenceUID, frame);
    dataset.SetString(DicomTag.SliceLocation, (-i).ToString(CultureInfo.InvariantCulture));
    dataset.SetUInt16(DicomTag.SamplesPerPixel, 1);
    dataset.SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2");
    dataset.SetUInt16(DicomTag.Rows, size);
    dataset.SetUInt16(DicomTag.Columns, size);
    dataset.SetStrings(DicomTag.PixelSpacing, "0.9765625", "0.9765625");
    dataset.SetUInt16(DicomTag.BitsAllocated, 16);
    dataset.SetUInt16(DicomTag.BitsStored, 16);
    dataset.SetUInt16(DicomTag.HighBit, 15);
    dataset.SetUInt16(DicomTag.PixelRepresentation, 1);
    dataset.SetString(DicomTag.RescaleIntercept, "0");
    dataset.SetString(DicomTag.RescaleSlope, "1");
    dataset.SetValues(DicomTag.PixelData, DicomVR.OW, pixels);
    DicomFile.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(Path.Combine(folder, $"CT{i + 1:D4}.dcm"));
}

Console.WriteLine($"{slices} slices written to {folder}");
return 0;

// PS3.5 §B.2: a UID from a random UUID under the 2.25 root.
static string NewUid() => "2.25." + new BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true).ToString(CultureInfo.InvariantCulture);
