using ImagePortal.Infrastructure;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web;
using ImagePortal.Web.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddInfrastructure();
builder.AddWeb();

var app = builder.Build();
ConfigurationChecks.Run(app);
await app.Services.InitializeDatabaseAsync();
app.UseImagePortal();
await app.RunAsync();

/// <summary>The web application's entry point; public so tests can host it.</summary>
public partial class Program;
