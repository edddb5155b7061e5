using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Tests.Features.Common;

public sealed class MessageConventionsTests
{
    [Fact]
    public void EveryCommandAndQuery_DeclaresWhoMaySendIt()
    {
        var messages = typeof(AuthorizeMessageAttribute).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IMessage).IsAssignableFrom(t))
            .ToList();

        Assert.NotEmpty(messages);
        var unguarded = messages.Where(t => !t.IsDefined(typeof(AuthorizeMessageAttribute), inherit: false)).Select(t => t.FullName);
        Assert.Empty(unguarded);
    }
}
