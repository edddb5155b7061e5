namespace ImagePortal.Domain.Facilities;

/// <summary>The DIMSE services a node provides as SCP.</summary>
[Flags]
public enum DicomCapabilities
{
    None = 0,
    Echo = 1,
    Find = 2,
    Move = 4,
    Get = 8,
    Store = 16,
    All = Echo | Find | Move | Get | Store,
}
