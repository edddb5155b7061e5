using System.Text;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Dicom;

/// <summary>
/// <see cref="DicomJsonReader"/> against <see cref="DicomJsonWriter"/>: every file of the pydicom corpus written as DICOM
/// JSON reads back to the same data (compared as JSON), character sets are kept where they can hold the text, and
/// malformed JSON is a <see cref="DicomFormatException"/> that names the problem. Orthanc's own JSON is read in
/// DicomWebClientOrthancTests.
/// </summary>
public sealed class DicomJsonReaderTests
{
    public static TheoryData<string> Files() => DicomCorpus.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void CorpusFile_WrittenAsJson_ReadsBackToTheSameData(string relativePath)
    {
        var path = DicomCorpus.Require(relativePath);
        DicomFile file;
        try
        {
            file = DicomFile.Open(path);
        }
        catch (DicomFormatException)
        {
            // Broken on purpose; DicomCorpusTests checks how it fails.
            return;
        }

        var written = DicomJsonWriter.Serialize(file.Dataset);
        var read = DicomJsonReader.Read(System.Text.Json.JsonDocument.Parse(written, new System.Text.Json.JsonDocumentOptions { MaxDepth = 1000 }).RootElement);

        var differences = DicomJsonComparer.Compare(written, DicomJsonWriter.Serialize(read));
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
        if (file.Dataset.Find(DicomTag.PixelData) is DicomFragmentSequence fragments)
        {
            var back = Assert.IsType<DicomFragmentSequence>(read.Find(DicomTag.PixelData));
            Assert.Equal(fragments.Fragments.Count, back.Fragments.Count);
            Assert.Equal(fragments.Fragments[^1].GetBytes().ToArray(), back.Fragments[^1].GetBytes().ToArray());
        }
    }

    [Fact]
    public void Text_InItsOwnCharacterSet_KeepsTheCharacterSetAndTheBytes()
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        dataset.SetString(DicomTag.PatientName, "Müller^Jürgen");

        var read = DicomJsonReader.ReadArray("[" + DicomJsonWriter.Serialize(dataset) + "]").Single();

        Assert.Equal("ISO_IR 100", read.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("Müller^Jürgen", read.GetString(DicomTag.PatientName));
        Assert.Equal(dataset.GetBytes(DicomTag.PatientName).ToArray(), read.GetBytes(DicomTag.PatientName).ToArray());
    }

    [Fact]
    public void Text_ItsCharacterSetCannotHold_MakesTheDataSetUtf8()
    {
        const string json = """
            [{"00080005":{"vr":"CS","Value":["ISO_IR 100"]},
              "00100010":{"vr":"PN","Value":[{"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎"}]},
              "00081110":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":["1.2.3"]},"00100020":{"vr":"LO","Value":["Ωmega"]}}]}}]
            """;

        var read = DicomJsonReader.ReadArray(json).Single();

        Assert.Equal("ISO_IR 192", read.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("Yamada^Tarou=山田^太郎", read.GetString(DicomTag.PatientName));
        Assert.Equal(Encoding.UTF8.GetBytes("Yamada^Tarou=山田^太郎"), read.GetBytes(DicomTag.PatientName).ToArray());
        Assert.Equal("Ωmega", read.GetSequence(DicomTag.ReferencedStudySequence)!.Items[0].GetString(DicomTag.PatientID));
    }

    [Fact]
    public void Values_OfEveryKind_ReadAsTheyWereWritten()
    {
        const string json = """
            {"00081190":{"vr":"UR","Value":["http://example.org/studies/1"]},
             "00180050":{"vr":"DS","Value":[2.50, "0.5"]},
             "00200013":{"vr":"IS","Value":[7]},
             "00280010":{"vr":"US","Value":[512]},
             "00209161":{"vr":"UI"},
             "00281052":{"vr":"DS","Value":[-1024]},
             "00209165":{"vr":"AT","Value":["00100020","0020000D"]},
             "00189219":{"vr":"FD","Value":["NaN", 1.5]},
             "00080020":{"vr":"DA","Value":[null, "20240102"]}}
            """;

        var read = DicomJsonReader.Read(System.Text.Json.JsonDocument.Parse(json).RootElement);

        Assert.Equal("http://example.org/studies/1", read.GetString(DicomTag.RetrieveURL));
        Assert.Equal(["2.50", "0.5"], read.GetStrings(DicomTag.SliceThickness));
        Assert.Equal(7, read.GetIntegerString(DicomTag.InstanceNumber));
        Assert.Equal((ushort)512, read.GetUInt16(DicomTag.Rows));
        Assert.Equal(0, ((DicomElement)read.Find(DicomTag.ConcatenationUID)!).Length);
        Assert.Equal(-1024, read.GetDecimalString(DicomTag.RescaleIntercept));
        Assert.Equal([DicomTag.PatientID, DicomTag.StudyInstanceUID], read.GetTags(DicomTag.DimensionIndexPointer));
        Assert.True(double.IsNaN(read.GetValues<double>(new DicomTag(0x00189219))[0]));
        Assert.Equal(["", "20240102"], read.GetStrings(DicomTag.StudyDate));
    }

    [Theory]
    [InlineData("""{"0010001":{"vr":"PN"}}""", "eight hexadecimal digits")]
    [InlineData("""{"00100010":{"vr":"XX"}}""", "(0010,0010)")]
    [InlineData("""{"00100010":{"vr":"PN","Value":"Doe"}}""", "is an array")]
    [InlineData("""{"00280010":{"vr":"US","Value":[70000]}}""", "is not a US value")]
    [InlineData("""{"00280010":{"vr":"US","Value":[1.5]}}""", "is not a US value")]
    [InlineData("""{"7FE00010":{"vr":"OW","InlineBinary":"not base64!"}}""", "not base64")]
    [InlineData("""{"7FE00010":{"vr":"OW","BulkDataURI":"http://x/bulk"}}""", "BulkDataURI")]
    [InlineData("""{"7FE00010":{"vr":"OW","Value":[1]}}""", "InlineBinary")]
    [InlineData("""{"00100020":{"vr":"LO","Value":["a\\b"]}}""", "backslash")]
    [InlineData("""{"00100010":{"vr":"PN","Value":[{"Alphabetic":3}]}}""", "Alphabetic")]
    [InlineData("""{"00100020":{"vr":"LO","Value":["x"],"InlineBinary":"AAAA"}}""", "not several")]
    [InlineData("""{"FFFEE000":{"vr":"UN"}}""", "delimiter")]
    [InlineData("""[1]""", "JSON object")]
    public void MalformedJson_IsAFormatError_NamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<DicomFormatException>(() =>
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                DicomJsonReader.ReadArray(document.RootElement);
            }
            else
            {
                DicomJsonReader.Read(document.RootElement);
            }
        });
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SequencesNestedTooDeep_AreRefused()
    {
        var json = new StringBuilder();
        for (var i = 0; i < 80; i++)
        {
            json.Append("""{"00081111":{"vr":"SQ","Value":[""");
        }

        json.Append("{}");
        for (var i = 0; i < 80; i++)
        {
            json.Append("]}}");
        }

        Assert.Throws<DicomFormatException>(() => DicomJsonReader.ReadArray("[" + json + "]"));
    }

    [Fact]
    public async Task Stream_OfManyDataSets_IsReadOneAtATime_AndBrokenJsonIsAFormatError()
    {
        var ct = TestContext.Current.CancellationToken;
        var text = "[" + string.Join(",", Enumerable.Range(1, 50).Select(i => "{\"00200013\":{\"vr\":\"IS\",\"Value\":[" + i + "]}}")) + "]";
        var numbers = new List<int?>();
        await foreach (var dataset in DicomJsonReader.ReadArrayAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), ct))
        {
            numbers.Add(dataset.GetIntegerString(DicomTag.InstanceNumber));
        }

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (int?)i), numbers);

        var truncated = new MemoryStream(Encoding.UTF8.GetBytes(text[..(text.Length / 2)]));
        await Assert.ThrowsAsync<DicomFormatException>(async () =>
        {
            await foreach (var _ in DicomJsonReader.ReadArrayAsync(truncated, ct))
            {
            }
        });
        await Assert.ThrowsAsync<DicomFormatException>(async () =>
        {
            await foreach (var _ in DicomJsonReader.ReadArrayAsync(new MemoryStream("{\"a\":1}"u8.ToArray()), ct))
            {
            }
        });
    }
}
