using System.Globalization;

namespace Dataplane.ControlPlane.Validation;

/// <summary>`kill -s`: a signal number or Linux name, with or without SIG, in any case (moby's signal.ParseSignal).</summary>
public static class SignalNames
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["ABRT"] = 6, ["ALRM"] = 14, ["BUS"] = 7, ["CHLD"] = 17, ["CLD"] = 17, ["CONT"] = 18, ["FPE"] = 8, ["HUP"] = 1,
        ["ILL"] = 4, ["INT"] = 2, ["IO"] = 29, ["IOT"] = 6, ["KILL"] = 9, ["PIPE"] = 13, ["POLL"] = 29, ["PROF"] = 27,
        ["PWR"] = 30, ["QUIT"] = 3, ["SEGV"] = 11, ["STKFLT"] = 16, ["STOP"] = 19, ["SYS"] = 31, ["TERM"] = 15,
        ["TRAP"] = 5, ["TSTP"] = 20, ["TTIN"] = 21, ["TTOU"] = 22, ["URG"] = 23, ["USR1"] = 10, ["USR2"] = 12,
        ["VTALRM"] = 26, ["WINCH"] = 28, ["XCPU"] = 24, ["XFSZ"] = 25,
    };

    private const int MaxSignal = 64; // SIGRTMAX on Linux

    public static int Parse(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
            return number is > 0 and <= MaxSignal ? number : throw DataplaneException.Invalid($"Invalid signal: {text}");
        var name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal)) name = name[3..];
        return Numbers.TryGetValue(name, out int n) ? n : throw DataplaneException.Invalid($"Invalid signal: {text}");
    }
}
