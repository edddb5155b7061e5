using System.CommandLine;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Cli.Commands;

/// <summary>
/// <c>imageportal dump FILE...</c>: lists the elements of DICOM files like DCMTK's dcmdump, or with <c>--json</c> as
/// the DICOM JSON Model (PS3.18 §F.2) like dcm2json, so administrators can inspect what the portal received.
/// </summary>
public static class DumpCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "DICOM files to dump.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print the DICOM JSON Model (PS3.18 F.2) of the data set instead." };
        var command = new Command("dump", "Print the elements of DICOM files (dcmdump style) or their DICOM JSON.");
        command.Arguments.Add(files);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var exit = 0;
            var paths = parseResult.GetValue(files) ?? [];
            foreach (var file in paths)
            {
                try
                {
                    var dicom = DicomFile.Open(file.FullName);
                    foreach (var warning in dicom.Warnings)
                    {
                        // Like dcmdump's "W:" lines: read, but not as the standard wrote it.
                        error.WriteLine($"imageportal dump: warning: {file.FullName}: {warning}");
                    }

                    if (parseResult.GetValue(json))
                    {
                        output.WriteLine(DicomJsonWriter.Serialize(dicom.Dataset));
                    }
                    else
                    {
                        if (paths.Length > 1)
                        {
                            output.WriteLine($"# {file.FullName}");
                        }

                        DicomTextDump.Write(output, dicom);
                    }
                }
                catch (Exception exception) when (exception is DicomFormatException or IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"imageportal dump: cannot read {file.FullName}: {exception.Message}");
                    exit = 1;
                }
            }

            return exit;
        });
        return command;
    }
}
