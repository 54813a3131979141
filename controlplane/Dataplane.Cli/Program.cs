using Dataplane.ControlPlane.Demo;

namespace Dataplane.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["demo", ..])
            return DemoCommand.Run(Console.Out);
        Console.Error.WriteLine("dataplane: the daemon and its commands are not implemented yet; try `dataplane demo`");
        return 1;
    }
}
