using System.CommandLine;

namespace Dataplane.Daemon;

/// <summary>`dataplane demo`: the throwaway lab with real traffic through a published port (README's main job).</summary>
public static class DemoCommand
{
    public static Command Build(TextWriter output)
    {
        var seconds = new Option<int>("--seconds") { Description = "Length of each iperf3 run", DefaultValueFactory = _ => 3 };
        var command = new Command("demo", "Publish a port in a throwaway namespace lab and move real traffic through the eBPF data path") { seconds };
        command.SetAction((parse, ct) => Demo.DemoScenario.RunAsync(output, parse.GetValue(seconds), ct));
        return command;
    }
}
