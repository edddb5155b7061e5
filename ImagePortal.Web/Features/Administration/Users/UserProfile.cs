using System.Security.Cryptography;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>Who a user is and what they may do; the password never travels in here.</summary>
public sealed record UserProfile(string DisplayName, string? Email, Guid? FacilityId, IReadOnlyList<string> Roles);
