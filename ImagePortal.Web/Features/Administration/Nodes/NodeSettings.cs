using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>A DICOM node as an administrator enters it.</summary>
/// <param name="CallingAddressCheck">Whether the portal's Storage SCP admits the node's AE title only from its host.</param>
public sealed record NodeSettings(
    string Name, string AeTitle, string Host, int Port, bool UseTls, DicomCapabilities Capabilities, bool IsImportDestination,
    CallingAddressCheck CallingAddressCheck = CallingAddressCheck.PortalDefault);
