namespace Dataplane.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("dataplane: not implemented yet");
        return 1;
    }
}
