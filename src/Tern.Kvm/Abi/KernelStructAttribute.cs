namespace Tern.Kvm.Abi;

/// <summary>Names the kernel struct a type mirrors, so a test can compare its size against the C headers.</summary>
[AttributeUsage(AttributeTargets.Struct)]
public sealed class KernelStructAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
