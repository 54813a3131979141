using System.Diagnostics;
using System.Runtime.CompilerServices;
using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Tests.Interop.Bpf;

/// <summary>
/// libbpf rejects option structs whose sz it does not know, and reads fields at C offsets: the C#
/// layouts are compared with what the C compiler computes from the installed libbpf headers.
/// </summary>
public class LibbpfStructLayoutTests
{
    private static readonly (string C, int CSharp)[] Structs =
    [
        ("bpf_object_open_opts", Unsafe.SizeOf<bpf_object_open_opts>()),
        ("bpf_test_run_opts", Unsafe.SizeOf<bpf_test_run_opts>()),
        ("bpf_map_batch_opts", Unsafe.SizeOf<bpf_map_batch_opts>()),
        ("bpf_tc_hook", Unsafe.SizeOf<bpf_tc_hook>()),
        ("bpf_tc_opts", Unsafe.SizeOf<bpf_tc_opts>()),
        ("bpf_xdp_attach_opts", Unsafe.SizeOf<bpf_xdp_attach_opts>()),
        ("bpf_xdp_query_opts", Unsafe.SizeOf<bpf_xdp_query_opts>()),
    ];

    private static readonly (string Field, int CSharp)[] Offsets =
    [
        ("bpf_object_open_opts,pin_root_path", 24), ("bpf_object_open_opts,kconfig", 40), ("bpf_object_open_opts,kernel_log_level", 72),
        ("bpf_test_run_opts,retval", 56), ("bpf_test_run_opts,duration", 64), ("bpf_test_run_opts,batch_size", 76),
        ("bpf_tc_opts,priority", 24), ("bpf_xdp_query_opts,attach_mode", 24), ("bpf_map_info,name", 24),
    ];

    [Fact]
    public void OptionStructs_SizesAndOffsets_MatchLibbpfHeaders()
    {
        var lines = Structs.Select(s => $"printf(\"{s.C} %zu\\n\", sizeof(struct {s.C}));")
            .Concat(Offsets.Select(o => $"printf(\"{o.Field} %zu\\n\", offsetof(struct {o.Field}));"));
        var source = "#include <stdio.h>\n#include <stddef.h>\n#include <bpf/libbpf.h>\n#include <bpf/bpf.h>\nint main(void){" + string.Join("", lines) + "return 0;}";
        var measured = CompileAndRun(source);
        foreach (var (c, cs) in Structs) Assert.Equal($"{c} {measured[c]}", $"{c} {cs}");
        foreach (var (f, cs) in Offsets) Assert.Equal($"{f} {measured[f]}", $"{f} {cs}");
    }

    private static string MultiarchTriplet => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        _ => "x86_64",
    };

    private static Dictionary<string, int> CompileAndRun(string source)
    {
        var dir = Directory.CreateTempSubdirectory("dpt-layout-");
        try
        {
            var c = Path.Combine(dir.FullName, "probe.c");
            var exe = Path.Combine(dir.FullName, "probe");
            File.WriteAllText(c, source);
            Run("clang", $"-I/usr/include/{MultiarchTriplet}-linux-gnu -o {exe} {c}");
            return Run(exe, "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => int.Parse(p[1]));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} failed: {error}");
        return output;
    }
}
