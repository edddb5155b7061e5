namespace ImagePortal.Tests.Interop;

/// <summary><see cref="ThumbnailDataTestsBase"/> with the facilities' PACS reached by DIMSE (C-FIND, C-GET).</summary>
public sealed class ThumbnailDataTests(DicomWebFixture fixture) : ThumbnailDataTestsBase(fixture), IClassFixture<DicomWebFixture>;
