namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// The services one server offers, built from its providers when it starts: one object per DIMSE service, null
/// where the server was given no provider (its presentation contexts are then rejected). C-ECHO is always served.
/// </summary>
internal sealed record DimseServices(EchoService Echo, StoreService? Store, FindService? Find, GetService? Get, MoveService? Move);
