using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Cli.Commands;

/// <summary>Exit codes of the network verbs, stable for scripts.</summary>
public static class NetworkExitCodes
{
    public const int Success = 0;

    /// <summary>The peer answered, with a failure or warning status for at least one operation.</summary>
    public const int DimseFailure = 1;

    /// <summary>The peer rejected the association (A-ASSOCIATE-RJ).</summary>
    public const int Rejected = 2;

    /// <summary>No connection, aborted, protocol error or timeout.</summary>
    public const int NetworkError = 3;

    /// <summary>Bad arguments or unreadable input files.</summary>
    public const int InvalidInput = 4;
}

/// <summary>The peer and AE title arguments shared by the SCU verbs, named like DCMTK's.</summary>
internal sealed class PeerOptions
{
    public Argument<string> Host { get; } = new("peer") { Description = "Host name or address of the peer." };

    public Argument<int> Port { get; } = new("port") { Description = "TCP port of the peer." };

    public Option<string> CallingAe { get; } = new("--aetitle", "-aet") { Description = "Our (calling) AE title.", DefaultValueFactory = _ => "IMAGEPORTAL" };

    public Option<string> CalledAe { get; } = new("--call", "-aec") { Description = "The peer's (called) AE title.", DefaultValueFactory = _ => "ANY-SCP" };

    public Option<int> Timeout { get; } = new("--timeout", "-to") { Description = "Seconds to wait for connect, association and each response.", DefaultValueFactory = _ => 30 };

    public Option<uint> MaxPdu { get; } = new("--max-pdu", "-pdu") { Description = "Maximum PDU length we receive.", DefaultValueFactory = _ => AssociationOptions.DefaultMaxPduLength };

    /// <summary>A verb that talks to the peer: the peer's arguments and the association options already added.</summary>
    public Command NewCommand(string name, string description)
    {
        var command = new Command(name, description);
        command.Arguments.Add(Host);
        command.Arguments.Add(Port);
        command.Options.Add(CallingAe);
        command.Options.Add(CalledAe);
        command.Options.Add(Timeout);
        command.Options.Add(MaxPdu);
        return command;
    }

    public DicomClient CreateClient(ParseResult parseResult)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, parseResult.GetValue(Timeout)));
        var options = new AssociationOptions
        {
            CallingAeTitle = parseResult.GetValue(CallingAe)!,
            CalledAeTitle = parseResult.GetValue(CalledAe)!,
            ConnectTimeout = timeout,
            AssociationTimeout = timeout,
            ResponseTimeout = timeout,
            MaxPduLength = parseResult.GetValue(MaxPdu),
        };
        return new DicomClient(parseResult.GetValue(Host)!, parseResult.GetValue(Port), options);
    }
}

/// <summary>The query keys (-k) and information model shared by find, get and move.</summary>
internal sealed class QueryOptions(string defaultLevel)
{
    public Option<string[]> Keys { get; } = new("--key", "-k")
    {
        Description = "A key: Keyword=value or gggg,eeee=value; without '=' the key is returned empty (a return key).",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> Level { get; } = new("--level", "-L") { Description = "PATIENT, STUDY, SERIES or IMAGE.", DefaultValueFactory = _ => defaultLevel };

    public Option<bool> PatientRoot { get; } = new("--patient", "-P") { Description = "Use the Patient Root information model (default: Study Root)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Keys);
        command.Options.Add(Level);
        command.Options.Add(PatientRoot);
    }

    /// <summary>
    /// The identifier and the SOP class of the chosen information model (<paramref name="studyRoot"/> or
    /// <paramref name="patientRoot"/>); false, with a message on <paramref name="error"/>, when a key does not parse.
    /// </summary>
    public bool TryRead(ParseResult parseResult, TextWriter error, string studyRoot, string patientRoot, [NotNullWhen(true)] out DicomDataset? identifier, out string sopClass)
    {
        identifier = BuildIdentifier(parseResult, error);
        sopClass = parseResult.GetValue(PatientRoot) ? patientRoot : studyRoot;
        return identifier is not null;
    }

    /// <summary>The identifier, or null with a message on <paramref name="error"/> when a key does not parse.</summary>
    private DicomDataset? BuildIdentifier(ParseResult parseResult, TextWriter error)
    {
        var level = parseResult.GetValue(Level)!.ToUpperInvariant();
        if (level is not ("PATIENT" or "STUDY" or "SERIES" or "IMAGE"))
        {
            error.WriteLine($"imageportal: unknown level '{level}' (PATIENT, STUDY, SERIES or IMAGE).");
            return null;
        }

        if (level == "PATIENT" && !parseResult.GetValue(PatientRoot))
        {
            error.WriteLine("imageportal: the Study Root model has no PATIENT level (PS3.4 C.6.2); add --patient.");
            return null;
        }

        var identifier = new DicomDataset();
        // Latin-1 covers the names our partner sites use; the peer answers in its own character set.
        identifier.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        identifier.SetString(DicomTag.QueryRetrieveLevel, level);
        foreach (var key in parseResult.GetValue(Keys) ?? [])
        {
            var separator = key.IndexOf('=', StringComparison.Ordinal);
            var name = separator < 0 ? key : key[..separator];
            var value = separator < 0 ? string.Empty : key[(separator + 1)..];
            if (!DicomTag.TryParse(name.Trim(), out var tag))
            {
                error.WriteLine($"imageportal: '{name}' is neither a keyword nor a tag (gggg,eeee).");
                return null;
            }

            try
            {
                identifier.SetString(tag, value);
            }
            catch (ArgumentException exception)
            {
                error.WriteLine($"imageportal: key {name}: {exception.Message}");
                return null;
            }
        }

        return identifier;
    }
}

internal static class NetworkErrors
{
    /// <summary>Maps the failures of an SCU operation to a message and an exit code a script can use.</summary>
    public static async Task<int> RunAsync(string verb, TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (DicomAssociationRejectedException exception)
        {
            error.WriteLine($"imageportal {verb}: {exception.Message}");
            return NetworkExitCodes.Rejected;
        }
        catch (Exception exception) when (exception is DicomAssociationException or DicomProtocolException or SocketException or IOException)
        {
            error.WriteLine($"imageportal {verb}: {exception.Message}");
            return NetworkExitCodes.NetworkError;
        }
        catch (Exception exception) when (exception is InvalidOperationException or InvalidDataException or DicomFormatException or ArgumentException)
        {
            error.WriteLine($"imageportal {verb}: {exception.Message}");
            return NetworkExitCodes.InvalidInput;
        }
    }

    /// <summary>The storage SOP classes a C-GET proposes to receive when none are named (the common image objects).</summary>
    public static readonly string[] CommonStorageSopClasses =
    [
        "1.2.840.10008.5.1.4.1.1.1",      // CR
        "1.2.840.10008.5.1.4.1.1.1.1",    // DX presentation
        "1.2.840.10008.5.1.4.1.1.1.2",    // MG presentation
        "1.2.840.10008.5.1.4.1.1.2",      // CT
        "1.2.840.10008.5.1.4.1.1.2.1",    // Enhanced CT
        "1.2.840.10008.5.1.4.1.1.4",      // MR
        "1.2.840.10008.5.1.4.1.1.4.1",    // Enhanced MR
        "1.2.840.10008.5.1.4.1.1.6.1",    // US
        "1.2.840.10008.5.1.4.1.1.3.1",    // US multi-frame
        "1.2.840.10008.5.1.4.1.1.7",      // Secondary capture
        "1.2.840.10008.5.1.4.1.1.12.1",   // XA
        "1.2.840.10008.5.1.4.1.1.20",     // NM
        "1.2.840.10008.5.1.4.1.1.128",    // PET
        "1.2.840.10008.5.1.4.1.1.481.1",  // RT image
        "1.2.840.10008.5.1.4.1.1.88.11",  // Basic text SR
        "1.2.840.10008.5.1.4.1.1.88.22",  // Enhanced SR
        "1.2.840.10008.5.1.4.1.1.104.1",  // Encapsulated PDF
        "1.2.840.10008.5.1.4.1.1.11.1",   // Grayscale softcopy presentation state
    ];

    public static readonly string[] UncompressedSyntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];
}
