using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Components.Account;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Viewing;
using ImagePortal.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

namespace ImagePortal.Web;

public static class DependencyInjection
{
    public static IHostApplicationBuilder AddWeb(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        if (!builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["Logging:Console:FormatterName"]))
        {
            // One JSON object per event: a CR/LF typed into a logged value (a user name at sign-in) is escaped and cannot
            // forge a line of the log (RELIABILITY_CHECKLIST 33). Logging:Console:FormatterName=simple brings the text back.
            builder.Logging.AddJsonConsole(options => options.UseUtcTimestamp = true);
        }

        var authentication = builder.Configuration.GetSection(AuthenticationSettings.SectionName).Get<AuthenticationSettings>() ?? new AuthenticationSettings();
        services.AddRazorComponents()
            .AddInteractiveServerComponents(options =>
            {
                options.DetailedErrors = builder.Environment.IsDevelopment();
                // Bound what one user can hold open (RELIABILITY_CHECKLIST 4); UserCircuits caps the live ones per user.
                options.DisconnectedCircuitMaxRetained = 100;
                options.DisconnectedCircuitRetentionPeriod = authentication.DisconnectedCircuitRetention;
            })
            .AddHubOptions(options => options.MaximumReceiveMessageSize = 64 * 1024);
        // A snackbar at MudBlazor's 95 % opacity lets the page show through its colour, and its text falls under 4.5:1.
        services.AddMudServices(options => options.SnackbarConfiguration.MaximumOpacity = 100);
        ConfigurationChecks.ProtectKeys(builder, services.AddDataProtection());

        builder.AddIdentity();
        builder.AddUseCases();
        builder.AddViewing();

        services.AddHttpContextAccessor();
        services.AddScoped<CurrentUser>();
        services.AddScoped<ICurrentUser>(provider => provider.GetRequiredService<CurrentUser>());
        services.AddScoped<CircuitActivity>();
        services.AddScoped<CircuitHandler, CurrentUserCircuitHandler>();
        services.AddSingleton<UserCircuits>();
        services.AddScoped<CircuitAdmission>();
        services.AddScoped<CircuitHandler, CircuitLimitCircuitHandler>();
        services.AddHostedService<Demo.DemoWelcome>();
        var security = builder.Configuration.GetSection(SecuritySettings.SectionName);
        services.Configure<SecuritySettings>(security);
        services.AddRateLimiter(options => SignInThrottle.Configure(options, security.Get<SecuritySettings>() ?? new SecuritySettings()));
        ForwardedHeaders.Configure(services, security.Get<SecuritySettings>() ?? new SecuritySettings());
        services.Configure<CookiePolicyOptions>(options =>
        {
            // Every cookie (session, antiforgery, two-factor, external) goes through this policy, whoever sets it. A portal
            // configured for HTTPS marks them Secure even on a plain request, as a proxy that ends TLS forwards it.
            options.Secure = !builder.Environment.IsDevelopment() && builder.Configuration.GetValue("Https:Redirect", false)
                ? CookieSecurePolicy.Always
                : CookieSecurePolicy.SameAsRequest;
        });
        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.IncludeSubDomains = true;
        });
        return builder;
    }

    private static void AddIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(AuthenticationSettings.SectionName);
        services.Configure<AuthenticationSettings>(section);
        var settings = section.Get<AuthenticationSettings>() ?? new AuthenticationSettings();

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddSingleton<TwoFactorRequirement>();
        services.AddSingleton<DecoyPasswordHash>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, PublicFiles.Handler>(PublicFiles.Scheme, _ => { })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(options =>
        {
            options.Cookie.Name = "ImagePortal.Session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = settings.IdleTimeout;
            options.SlidingExpiration = true;
            // Not read (nor renewed, nor its security stamp checked) for a static file: see PublicFiles.
            options.ForwardDefaultSelector = PublicFiles.SchemeFor;
            options.LoginPath = "/Account/Login";
            var redirectToLogin = options.Events.OnRedirectToLogin;
            options.Events.OnRedirectToLogin = context =>
            {
                // The DICOMweb service is called by the viewer's script, not navigated to: 401, not the sign-in page.
                if (context.Request.Path.StartsWithSegments(DicomWebEndpoints.Root))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return context.Response.WriteAsync("Sign in first.");
                }

                return redirectToLogin(context);
            };
            options.Events.OnRedirectToAccessDenied = context =>
            {
                // Answer 403 in place; the status-code page explains it (a redirect would hide the status).
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
            SessionLifetime.Configure(options);
        });
        services.Configure<SecurityStampValidatorOptions>(options =>
        {
            // Every HTTP request re-checks the stamp: a Blazor Server app makes few (page loads, keep-alives), and a
            // cookie copied before sign-out must stop working at once, not a minute later.
            options.ValidationInterval = TimeSpan.Zero;
            SessionLifetime.Configure(options);
        });
        services.AddAuthorization(Policies.Configure);

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = false;

                // OWASP ASVS 5 V6.2: length, not composition.
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;

                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = settings.MaxFailedAccessAttempts;
                options.Lockout.DefaultLockoutTimeSpan = settings.LockoutDuration;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ImagePortalDbContext>()
            .AddSignInManager<ImagePortalSignInManager>()
            .AddClaimsPrincipalFactory<ImagePortalClaimsFactory>()
            .AddPasswordValidator<MaximumLengthPasswordValidator>()
            .AddDefaultTokenProviders();
    }

    private static void AddUseCases(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ImagePortal.Web.Features.Notifications.ChangeNotifier>();
        services.AddOptions<ImagePortal.Web.Features.Notifications.ChangeFeedOptions>()
            .Bind(builder.Configuration.GetSection(ImagePortal.Web.Features.Notifications.ChangeFeedOptions.SectionName))
            .Validate(o => o.IsValid, "ChangeFeed: PollInterval must be at least 10 ms, BatchWindow not negative, GapTimeout longer than PollInterval and Retention longer than GapTimeout.")
            .ValidateOnStart();
        services.AddSingleton<ImagePortal.Web.Features.Notifications.ChangeFeed>();
        services.AddHostedService<ImagePortal.Web.Features.Notifications.ChangeFeedService>();
        services.AddScoped<ImagePortal.Web.Features.Notifications.NotificationMailer>();
        services.AddScoped<ImagePortal.Web.Features.Notifications.RequestNotifications>();
        services.AddSingleton<ImagePortal.Infrastructure.Retrieval.IRetrievalObserver, ImagePortal.Web.Features.Notifications.RetrievalNotifications>();
        services.AddScoped<ImagePortal.Web.Features.Common.SecurityRefusals>();
        services.AddScoped<ImagePortal.Web.Features.Requests.RequestAccess>();
        services.AddScoped<ImagePortal.Web.Features.Requests.RequestChanges>();
        services.AddScoped<ImagePortal.Web.Features.Search.DirectPartners>();
        services.AddOptions<ImagePortal.Web.Features.Requests.RequestExpirySettings>()
            .Bind(builder.Configuration.GetSection(ImagePortal.Web.Features.Requests.RequestExpirySettings.SectionName))
            .Validate(s => s.IsValid, "Requests:Expiry: GracePeriod must not be negative and Interval must be at least one second.")
            .ValidateOnStart();
        services.AddScoped<ImagePortal.Web.Features.Requests.RequestExpiry>();
        services.AddHostedService<ImagePortal.Web.Features.Requests.RequestExpiryService>();
        services.AddScoped<ImagePortal.Web.Features.Administration.AdminAccess>();
        services.AddScoped<ImagePortal.Web.Features.Administration.Users.InvitationMailer>();
        services.AddScoped<ImagePortal.Web.Features.Administration.QuarantineAccess>();
        services.AddScoped<ImagePortal.Web.Features.Jobs.JobAccess>();
        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors =
            [
                typeof(LoggingBehavior<,>),
                typeof(AuthorizationBehavior<,>),
                typeof(ValidationBehavior<,>),
            ];
        });

        foreach (var type in typeof(DependencyInjection).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidator<>)))
            {
                services.AddSingleton(contract, type);
            }
        }
    }
}
