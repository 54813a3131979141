using System.Net;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.Tests.DataPath;

/// <summary>Which of an uplink's addresses NAT66 uses: a global one first, a unique-local one only when
/// there is nothing else, never link-local (nor IPv4).</summary>
public sealed class MasqueradeAddresses6Tests
{
    [Theory]
    [InlineData("198.18.0.1 fe80::1 fd00:99::1 2001:db8::1", "2001:db8::1")]
    [InlineData("2001:db8::1 2001:db8::2", "2001:db8::1")]
    [InlineData("fe80::1 fd00:99::1", "fd00:99::1")]
    [InlineData("198.18.0.1 fe80::1", null)]
    [InlineData("", null)]
    public void Choose_UplinkAddresses_GlobalFirstThenUniqueLocal(string addresses, string? expected)
    {
        var all = addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse);

        Assert.Equal(expected, MasqueradeAddresses6.Choose(all)?.ToString());
    }
}
