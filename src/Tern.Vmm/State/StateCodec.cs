using System.Buffers.Binary;
using System.Text;
using Tern.Vmm.Devices.I8042;
using Tern.Vmm.Devices.Serial;

namespace Tern.Vmm.State;

/// <summary>
/// Binary encodings of the state records, one per record kind and each led by its version. Decoding
/// treats the input as untrusted: every length and count is checked against what remains and against
/// a cap, and a failure names the section.
/// </summary>
public static class StateCodec
{
    private const int MaxBlob = 64 * 1024;
    private const int MaxMsrs = 4096;
    private const int MaxString = 64 * 1024;

    public static byte[] Encode(MachineDescription d) => Build(w =>
    {
        w.Int(d.Version);
        w.ULong(d.Shape.MemoryBytes);
        w.Int(d.Shape.VcpuCount);
        w.String(d.KernelPath);
        w.String(d.CommandLine);
    });

    public static MachineDescription DecodeDescription(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data, "machine");
        var version = r.Version(MachineDescription.CurrentVersion);
        var shape = new MachineShape(r.ULong(), r.Int());
        if (shape.VcpuCount is < 1 or > 64)
            throw r.Invalid($"vCPU count {shape.VcpuCount}");
        var result = new MachineDescription(version, shape, r.String(), r.String());
        r.End();
        return result;
    }

    public static byte[] Encode(VmState s) => Build(w =>
    {
        w.Int(s.Version);
        w.Blob(s.PicMaster);
        w.Blob(s.PicSlave);
        w.Blob(s.Ioapic);
        w.Blob(s.Pit2);
        w.Blob(s.Clock);
    });

    public static VmState DecodeVm(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data, "vm");
        var result = new VmState(r.Version(VmState.CurrentVersion), r.Blob(), r.Blob(), r.Blob(), r.Blob(), r.Blob());
        r.End();
        return result;
    }

    public static byte[] Encode(VcpuState s) => Build(w =>
    {
        w.Int(s.Version);
        w.Int(s.Id);
        foreach (var blob in new[] { s.Cpuid, s.Regs, s.Sregs, s.Fpu, s.Xsave, s.Xcrs, s.Lapic })
            w.Blob(blob);
        w.UInt(s.MpState);
        w.Blob(s.VcpuEvents);
        w.Blob(s.DebugRegs);
        w.Int(s.Msrs.Length);
        foreach (var msr in s.Msrs)
        {
            w.UInt(msr.Index);
            w.ULong(msr.Value);
        }
    });

    public static VcpuState DecodeVcpu(ReadOnlySpan<byte> data, string section)
    {
        var r = new Reader(data, section);
        var version = r.Version(VcpuState.CurrentVersion);
        var id = r.Int();
        byte[] cpuid = r.Blob(), regs = r.Blob(), sregs = r.Blob(), fpu = r.Blob(), xsave = r.Blob(), xcrs = r.Blob(), lapic = r.Blob();
        var mpState = r.UInt();
        byte[] events = r.Blob(), debug = r.Blob();
        var count = r.Int();
        if (count is < 0 or > MaxMsrs)
            throw r.Invalid($"MSR count {count}");
        var msrs = new MsrValue[count];
        for (var i = 0; i < count; i++)
            msrs[i] = new MsrValue(r.UInt(), r.ULong());
        r.End();
        return new VcpuState(version, id, cpuid, regs, sregs, fpu, xsave, xcrs, lapic, mpState, events, debug, msrs);
    }

    public static byte[] Encode(UartState s) => Build(w =>
    {
        w.Int(s.Version);
        w.Bytes([s.Ier, s.Lcr, s.Mcr, s.Lsr, s.Msr, s.Scr, s.Dll, s.Dlm, s.Fcr, s.ThrEmptyInterruptPending ? (byte)1 : (byte)0]);
        w.Blob(s.ReceiveFifo);
        w.Blob(s.PendingInput);
    });

    public static UartState DecodeUart(ReadOnlySpan<byte> data, string section)
    {
        var r = new Reader(data, section);
        var version = r.Version(UartState.CurrentVersion);
        var b = r.Bytes(10);
        var result = new UartState(version, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9] != 0, r.Blob(), r.Blob());
        r.End();
        return result;
    }

    public static byte[] Encode(I8042State s) => Build(w =>
    {
        w.Int(s.Version);
        w.Bytes([s.Status, s.CommandByte, s.PendingCommand]);
        w.Blob(s.Output);
    });

    public static I8042State DecodeI8042(ReadOnlySpan<byte> data, string section)
    {
        var r = new Reader(data, section);
        var version = r.Version(I8042State.CurrentVersion);
        var b = r.Bytes(3);
        var result = new I8042State(version, b[0], b[1], b[2], r.Blob());
        r.End();
        return result;
    }

    private static byte[] Build(Action<Writer> write)
    {
        var writer = new Writer();
        write(writer);
        return writer.ToArray();
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void Int(int value) => UInt((uint)value);

        public void UInt(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            _stream.Write(b);
        }

        public void ULong(ulong value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, value);
            _stream.Write(b);
        }

        public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public void Blob(ReadOnlySpan<byte> bytes)
        {
            Int(bytes.Length);
            _stream.Write(bytes);
        }

        public void String(string value) => Blob(Encoding.UTF8.GetBytes(value));

        public byte[] ToArray() => _stream.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> data, string section)
    {
        private ReadOnlySpan<byte> _data = data;
        private readonly string _section = section;

        public InvalidDataException Invalid(string what) => new($"state section {_section}: invalid {what}");

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _data.Length)
                throw new InvalidDataException($"state section {_section}: truncated");
            var taken = _data[..count];
            _data = _data[count..];
            return taken;
        }

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public uint UInt() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public ulong ULong() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        public byte[] Bytes(int count) => Take(count).ToArray();

        public int Version(int supported)
        {
            var version = Int();
            if (version < 1 || version > supported)
                throw new InvalidDataException($"state section {_section}: version {version} is not supported (this Tern reads up to {supported})");
            return version;
        }

        public byte[] Blob()
        {
            var length = Int();
            if (length is < 0 or > MaxBlob)
                throw Invalid($"blob length {length}");
            return Take(length).ToArray();
        }

        public string String()
        {
            var length = Int();
            if (length is < 0 or > MaxString)
                throw Invalid($"string length {length}");
            return Encoding.UTF8.GetString(Take(length));
        }

        public readonly void End()
        {
            if (!_data.IsEmpty)
                throw new InvalidDataException($"state section {_section}: {_data.Length} unexpected trailing bytes");
        }
    }
}
