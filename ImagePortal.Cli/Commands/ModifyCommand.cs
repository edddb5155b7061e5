using System.CommandLine;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Cli.Commands;

/// <summary>
/// <c>imageportal modify</c>: changes top-level elements of DICOM files in place, modelled on DCMTK's dcmodify
/// (<c>-m</c> modifies an existing element, <c>-i</c> inserts or overwrites, <c>-e</c> erases). Everything else of the
/// file is kept (private tags, pixel data, transfer syntax); pixel data is copied file to file, never loaded.
/// </summary>
public static class ModifyCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "DICOM files to change in place.", Arity = ArgumentArity.OneOrMore };
        var modify = new Option<string[]>("--modify", "-m") { Description = "TAG=VALUE: change an element that exists (TAG is a keyword such as PatientID or (gggg,eeee)).", AllowMultipleArgumentsPerToken = false };
        var insert = new Option<string[]>("--insert", "-i") { Description = "TAG=VALUE: set an element, adding it if missing." };
        var erase = new Option<string[]>("--erase", "-e") { Description = "TAG: remove an element." };
        var command = new Command("modify", "Change elements of DICOM files in place, like dcmodify -nb.");
        command.Arguments.Add(files);
        command.Options.Add(modify);
        command.Options.Add(insert);
        command.Options.Add(erase);
        command.SetAction(parseResult =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            List<Change> changes;
            try
            {
                changes =
                [
                    .. (parseResult.GetValue(modify) ?? []).Select(a => Change.Parse(a, ChangeKind.Modify)),
                    .. (parseResult.GetValue(insert) ?? []).Select(a => Change.Parse(a, ChangeKind.Insert)),
                    .. (parseResult.GetValue(erase) ?? []).Select(a => Change.Parse(a, ChangeKind.Erase)),
                ];
            }
            catch (FormatException exception)
            {
                error.WriteLine($"imageportal modify: {exception.Message}");
                return 2;
            }

            // Files are independent: change them in parallel, and report failures in the order the files were given.
            var targets = parseResult.GetValue(files) ?? [];
            var failures = new string?[targets.Length];
            Parallel.For(0, targets.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var path = targets[i].FullName;
                try
                {
                    var dicom = DicomFile.Open(path);
                    foreach (var change in changes)
                    {
                        change.Apply(dicom.Dataset);
                    }

                    dicom.Save(path);
                }
                catch (Exception exception) when (exception is DicomFormatException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
                {
                    failures[i] = $"imageportal modify: {path}: {exception.Message}";
                }
            });

            foreach (var failure in failures.OfType<string>())
            {
                error.WriteLine(failure);
            }

            return failures.Any(f => f is not null) ? 1 : 0;
        });
        return command;
    }

    private enum ChangeKind
    {
        Modify,
        Insert,
        Erase,
    }

    private sealed record Change(ChangeKind Kind, DicomTag Tag, string Value)
    {
        public static Change Parse(string argument, ChangeKind kind)
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            var tagText = kind == ChangeKind.Erase || equals < 0 ? argument : argument[..equals];
            if (kind != ChangeKind.Erase && equals < 0)
            {
                throw new FormatException($"'{argument}' should be TAG=VALUE.");
            }

            var tag = DicomTag.Parse(tagText);
            return new Change(kind, tag, kind == ChangeKind.Erase ? string.Empty : argument[(equals + 1)..]);
        }

        public void Apply(DicomDataset dataset)
        {
            switch (Kind)
            {
                case ChangeKind.Erase:
                    dataset.Remove(Tag);
                    break;
                case ChangeKind.Modify when dataset.Find(Tag) is null:
                    throw new InvalidOperationException($"{Tag} is not in the file; use --insert to add it.");
                default:
                    // Keep the VR the file uses (an implicit VR file may hold it as UN only if it is private).
                    var vr = dataset.Find(Tag)?.VR is { Kind: DicomVRKind.Text } existing ? existing : null;
                    if (vr is null)
                    {
                        dataset.SetString(Tag, Value);
                    }
                    else
                    {
                        dataset.SetString(Tag, vr, Value);
                    }

                    break;
            }
        }
    }
}
