using System.Security.Cryptography.X509Certificates;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Infrastructure.Seed;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Security;

/// <summary>
/// Start-up checks for settings that are fine on a developer's machine and dangerous in production
/// (RELIABILITY_CHECKLIST 28): the app refuses to start where it would be insecure, and warns loudly where it is merely unwise.
/// </summary>
public static class ConfigurationChecks
{
    public static void Run(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConfigurationChecks));
        if (app.Environment.IsDevelopment())
        {
            app.Services.GetRequiredService<AuditKeyRing>();
            return;
        }

        CheckDemo(app, logger);

        // Now rather than at the first audit event: a missing key stops the start with its message, not a sign-in.
        app.Services.GetRequiredService<AuditKeyRing>();

        var auth = app.Services.GetRequiredService<IOptions<AuthenticationSettings>>().Value;
        if (auth.MaxFailedAccessAttempts is < 1 or > 20 || auth.IdleTimeout <= TimeSpan.Zero || auth.AbsoluteLifetime < auth.IdleTimeout)
        {
            throw new InvalidOperationException(
                "Authentication settings are unsafe: lockout must be on (1-20 attempts) and sessions must have a positive idle timeout not longer than their lifetime.");
        }

        if (auth.MaxCircuitsPerUser is < 1 or > 100)
        {
            // 0 would lock every user out of the live pages; hundreds would let one account exhaust the server's memory.
            throw new InvalidOperationException("Authentication:MaxCircuitsPerUser must be between 1 and 100.");
        }

        if (app.Configuration.GetValue("DetailedErrors", false))
        {
            throw new InvalidOperationException("DetailedErrors is on outside Development: stack traces would reach browsers. Turn it off.");
        }

        if (app.Services.GetRequiredService<IOptions<SeedOptions>>().Value.Users.Count > 0)
        {
            logger.LogWarning("SECURITY: the Seed section creates users with passwords from configuration. Fine for the demo; " +
                              "for a real installation remove Seed:Users and create accounts on the administration pages.");
        }

        if (string.IsNullOrEmpty(app.Configuration["DataProtection:CertificatePath"]))
        {
            logger.LogWarning("SECURITY: DataProtection:CertificatePath is not set, so the keys that protect sign-in cookies are stored " +
                              "unencrypted in the database. Set it (and DataProtection:CertificatePassword) in production.");
        }

        if (!app.Services.GetRequiredService<IOptions<AuditOptions>>().Value.Syslog.Enabled)
        {
            logger.LogWarning("SECURITY: Audit:Syslog is off, so the audit trail exists only in this database. Send it to the " +
                              "hospital's audit repository (Audit:Syslog, syslog over TLS) so that it survives the loss or tampering of this server.");
        }

        if (!app.Configuration.GetValue("Https:Redirect", false))
        {
            logger.LogWarning("SECURITY: Https:Redirect is off. Serve the portal over HTTPS only (here or at the reverse proxy).");
        }
    }

    /// <summary>
    /// The shipped appsettings.json is a demo: PACS that accept any calling AE and accounts whose passwords the README
    /// publishes. Outside Development either stops the start, unless Demo:AllowOutsideDevelopment says it is meant.
    /// </summary>
    private static void CheckDemo(WebApplication app, ILogger logger)
    {
        var demo = app.Services.GetRequiredService<IOptions<DemoOptions>>().Value;
        var problems = new List<string>();
        if (demo.Enabled)
        {
            problems.Add("Demo:Enabled is true outside Development: the demo PACS accept any calling AE title. Set Demo:Enabled to false.");
        }

        var demoUsers = DemoPasswords.UsersWithPublishedPassword(app.Services.GetRequiredService<IOptions<SeedOptions>>().Value);
        if (demoUsers.Count > 0)
        {
            problems.Add($"Seed:Users gives {string.Join(", ", demoUsers)} the published demo passwords outside Development: anyone can sign in as them. " +
                         "Remove Seed:Users (create accounts on the administration pages) or give each a password of your own.");
        }

        if (problems.Count == 0)
        {
            return;
        }

        if (!demo.AllowOutsideDevelopment)
        {
            throw new InvalidOperationException(
                $"{string.Join(" ", problems)} Only for a demo or training server: set Demo:AllowOutsideDevelopment to true to start anyway.");
        }

        logger.LogWarning("SECURITY: DEMO CONFIGURATION OUTSIDE DEVELOPMENT (Demo:AllowOutsideDevelopment is true). {Problems} " +
                          "Never let this server hold real patients' images.", string.Join(" ", problems));
    }

    /// <summary>Encrypts the Data Protection key ring at rest with a certificate, where one is configured.</summary>
    public static void ProtectKeys(IHostApplicationBuilder builder, Microsoft.AspNetCore.DataProtection.IDataProtectionBuilder dataProtection)
    {
        var path = builder.Configuration["DataProtection:CertificatePath"];
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, builder.Configuration["DataProtection:CertificatePassword"]);
        Microsoft.AspNetCore.DataProtection.DataProtectionBuilderExtensions.ProtectKeysWithCertificate(dataProtection, certificate);
    }
}
