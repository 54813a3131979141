namespace Dataplane.ControlPlane.DataPath;

/// <summary>Names the C struct of bpf/include/dp_abi.h that a mirror reproduces; the ABI test
/// compares size and field offsets with the compiled object's BTF.</summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false)]
public sealed class BpfTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
