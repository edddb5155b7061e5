using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Settings;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.DicomSettings;

/// <summary>A network administrator sets the portal's AE title, Storage SCP port and the calling AE titles it accepts.</summary>
[AuthorizeMessage(Roles.NetworkAdmin)]
public sealed record UpdatePortalDicomSettings(string AeTitle, int Port, IReadOnlyList<string> AllowedCallingAeTitles, Guid? Version) : ICommand<Result>;

public sealed class UpdatePortalDicomSettingsValidator : IValidator<UpdatePortalDicomSettings>
{
    public IEnumerable<string> Validate(UpdatePortalDicomSettings message)
    {
        if (!AeTitle.TryParse(message.AeTitle, out _, out var error))
        {
            yield return error;
        }

        if (!DicomNode.IsPort(message.Port))
        {
            yield return DicomNode.PortOutOfRange;
        }

        foreach (var calling in message.AllowedCallingAeTitles.Where(t => !string.IsNullOrWhiteSpace(t)))
        {
            if (!AeTitle.TryParse(calling, out _, out var callingError))
            {
                yield return $"Allowed calling AE title '{calling.Trim()}': {callingError}";
            }
        }
    }
}

public sealed class UpdatePortalDicomSettingsHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, IPortalDicomSettings settings, AdminAccess access)
    : ICommandHandler<UpdatePortalDicomSettings, Result>
{
    private const string ConflictMessage = "The portal's DICOM settings were changed by someone else meanwhile. Reload the page and make your change again.";

    public async ValueTask<Result> Handle(UpdatePortalDicomSettings command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.PortalDicomSettings.SavedAsync(cancellationToken);
        if (stored?.Version != command.Version)
        {
            return Result.Conflict(ConflictMessage);
        }

        string before;
        try
        {
            if (stored is null)
            {
                var defaults = await settings.GetAsync(cancellationToken);
                before = $"defaults from configuration: AE title={defaults.AeTitle}, port={defaults.Port}, allowed calling AEs={string.Join(",", defaults.AllowedCallingAeTitles)}";
                stored = new PortalDicomSettings(AeTitle.Parse(command.AeTitle), command.Port, command.AllowedCallingAeTitles);
                db.PortalDicomSettings.Add(stored);
            }
            else
            {
                before = stored.Describe();
                stored.Update(AeTitle.Parse(command.AeTitle), command.Port, command.AllowedCallingAeTitles);
            }
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        access.Changed(db, AuditAction.Update, "Portal DICOM settings", before, stored.Describe(), "PortalDicomSettings");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException conflict) when (conflict is DbUpdateConcurrencyException || DbErrors.IsDuplicateKey(conflict))
        {
            // A concurrent first save hits the primary key; a concurrent edit hits the version.
            return Result.Conflict(ConflictMessage);
        }

        settings.Invalidate();
        await access.SealAsync(cancellationToken);
        return Result.Success();
    }
}
