using System.Runtime.InteropServices;

namespace Dataplane.Interop.Native;

/// <summary>
/// Credentials of the calling thread. glibc's setresuid, setresgid and setgroups change every
/// thread of the process (POSIX asks for that), so those go through syscall(2) and change only the
/// thread that is about to start a sandboxed child. prctl and capset are per thread already.
/// </summary>
internal static unsafe partial class Libc
{
    public const int PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
    public const int PR_CAP_AMBIENT = 47, PR_CAP_AMBIENT_CLEAR_ALL = 4;
    public const uint _LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    [StructLayout(LayoutKind.Sequential)]
    public struct __user_cap_header_struct
    {
        public uint version;
        public int pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct __user_cap_data_struct
    {
        public uint effective;
        public uint permitted;
        public uint inheritable;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <param name="data">Two structs: capabilities 0-31, then 32-63.</param>
    [LibraryImport(Library, SetLastError = true)]
    public static partial int capset(__user_cap_header_struct* header, __user_cap_data_struct* data);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int capget(__user_cap_header_struct* header, __user_cap_data_struct* data);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint syscall(nint number, nint arg1, nint arg2, nint arg3);

    /// <summary>Syscall numbers of the thread-only credential calls, per architecture.</summary>
    public static (nint setgroups, nint setresuid, nint setresgid) CredentialSyscalls => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (116, 117, 119),
        Architecture.Arm64 => (159, 147, 149),
        var other => throw new PlatformNotSupportedException($"thread credential syscalls are not mapped for {other}"),
    };
}
