using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Dicom;

/// <summary>
/// Seeded mutations of corpus files (bit flips, truncations, corrupted length fields, spliced deep nesting): every
/// case must end in a read (and then serialise and write without error) or in DicomFormatException, within a time
/// budget. CI runs a few hundred cases; <c>bench/fuzz-dicom.sh</c> runs the same for as long as asked through
/// IMAGEPORTAL_FUZZ_CASES and IMAGEPORTAL_FUZZ_SEED.
/// </summary>
public sealed class DicomFuzzTests
{
    private static readonly string[] Seeds =
    [
        "test_files/CT_small.dcm", "test_files/MR_small_implicit.dcm", "test_files/ExplVR_BigEnd.dcm", "test_files/image_dfl.dcm",
        "test_files/nested_priv_SQ.dcm", "test_files/UN_sequence.dcm", "test_files/JPEG2000.dcm", "test_files/rtplan.dcm",
        "test_files/no_meta_group_length.dcm", "charset_files/chrSQEncoding.dcm", "charset_files/chrH32.dcm", "test_files/reportsi.dcm",
    ];

    private static readonly TimeSpan CaseBudget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task MutatedCorpusFiles_EitherReadOrFailWithDicomFormatException()
    {
        var cases = int.TryParse(Environment.GetEnvironmentVariable("IMAGEPORTAL_FUZZ_CASES"), CultureInfo.InvariantCulture, out var n) ? n : 400;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("IMAGEPORTAL_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20261129;
        var originals = Seeds.Select(f => File.ReadAllBytes(DicomCorpus.Require(f))).ToArray();
        var random = new Random(seed);
        int read = 0, rejected = 0;

        for (var i = 0; i < cases; i++)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            var source = random.Next(originals.Length);
            var (mutated, description) = Mutate(originals[source], random);
            var label = $"case {i} (seed {seed}): {Seeds[source]} {description}";
            var nonSeekable = random.Next(4) == 0;

            var watch = Stopwatch.StartNew();
            Outcome outcome;
            try
            {
                outcome = await Task.Run(() => Exercise(mutated, nonSeekable), TestContext.Current.CancellationToken)
                    .WaitAsync(CaseBudget, TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{label}: still running after {CaseBudget.TotalSeconds} s");
                return;
            }

            if (outcome.Escaped is { } unexpected)
            {
                Assert.Fail($"{label}: {unexpected.GetType().Name} escaped after {watch.ElapsedMilliseconds} ms: {unexpected}");
            }

            if (outcome.Read)
            {
                read++;
            }
            else
            {
                rejected++;
            }
        }

        // Both outcomes must occur, or the mutations are not reaching the parser.
        Assert.True(cases < 50 || (read > 0 && rejected > 0), $"{read} read, {rejected} rejected");
    }

    /// <summary>Read (and serialised and written), rejected with DicomFormatException, or another exception escaped.</summary>
    private static Outcome Exercise(byte[] bytes, bool nonSeekable)
    {
        try
        {
            Stream stream = nonSeekable ? new NonSeekableStream(bytes) : new MemoryStream(bytes, writable: false);
            var file = DicomFile.Read(stream);
            _ = DicomJsonWriter.Serialize(file.Dataset, indented: false);
            DicomTextDump.Write(TextWriter.Null, file);
            if (!file.TransferSyntax.IsBigEndian)
            {
                file.Write(Stream.Null);
            }

            return new Outcome(true, null);
        }
        catch (DicomFormatException)
        {
            return new Outcome(false, null);
        }
        catch (Exception exception)
        {
            return new Outcome(false, exception);
        }
    }

    private static (byte[] Bytes, string Description) Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
            {
                var flips = random.Next(1, 9);
                for (var i = 0; i < flips; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return (bytes, $"{flips} bit flips");
            }

            case 1:
            {
                var length = random.Next(bytes.Length);
                return (bytes[..length], $"truncated to {length} bytes");
            }

            case 2:
            {
                // Overwrite a 16- or 32-bit field with a hostile length, at an offset where a length may sit.
                uint[] hostile = [0, 1, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x80000000, (uint)random.Next()];
                var value = hostile[random.Next(hostile.Length)];
                var offset = random.Next(Math.Max(1, bytes.Length - 4)) & ~1;
                if (random.Next(2) == 0)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)value);
                }

                return (bytes, $"length 0x{value:X8} at {offset}");
            }

            case 3:
            {
                // Splice deeply nested undefined-length sequences (implicit VR encoding) into the data.
                var depth = random.Next(50, 1500);
                var nesting = new List<byte>();
                for (var i = 0; i < depth; i++)
                {
                    nesting.AddRange(DicomHostileInputTests.Element(0x0008, 0x1115, 0xFFFFFFFF));
                    nesting.AddRange(DicomHostileInputTests.Element(0xFFFE, 0xE000, 0xFFFFFFFF));
                }

                var offset = random.Next(bytes.Length);
                return ([.. bytes[..offset], .. nesting, .. bytes[offset..]], $"{depth} nested sequences spliced at {offset}");
            }

            default:
            {
                // Duplicate a random run of bytes: shifts every later element off its boundary.
                var start = random.Next(bytes.Length);
                var count = random.Next(1, Math.Min(64, bytes.Length - start) + 1);
                return ([.. bytes[..(start + count)], .. bytes[start..]], $"{count} bytes duplicated at {start}");
            }
        }
    }

    private sealed record Outcome(bool Read, Exception? Escaped);
}
