using Tern.Kvm.Abi;
using Tern.Memory;

namespace Tern.Kvm.IntegrationTests;

public sealed class VcpuRunTests
{
    // mov al, 0x42 ; out 0x10, al ; jmp $
    private static readonly byte[] OutThenSpin = [0xb0, 0x42, 0xe6, 0x10, 0xeb, 0xfe];

    [Fact]
    public void Port_write_arrives_as_an_io_exit_with_its_data()
    {
        using var vm = new RealModeVm(OutThenSpin);
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
        var io = vm.Vcpu.GetIoExit();
        io.IsWrite.ShouldBeTrue();
        io.Port.ShouldBe((ushort)0x10);
        io.Size.ShouldBe(1);
        io.Count.ShouldBe(1);
        io.Data[0].ShouldBe((byte)0x42);
    }

    [Fact]
    public void Port_read_takes_the_value_the_vmm_writes_into_the_exit()
    {
        // in al, 0x20 is PIC-owned, so use port 0x10: in al, 0x10 ; out 0x11, al ; jmp $
        using var vm = new RealModeVm([0xe4, 0x10, 0xe6, 0x11, 0xeb, 0xfe]);
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
        var read = vm.Vcpu.GetIoExit();
        read.IsWrite.ShouldBeFalse();
        read.Data[0] = 0x5a;
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
        var echo = vm.Vcpu.GetIoExit();
        echo.Port.ShouldBe((ushort)0x11);
        echo.Data[0].ShouldBe((byte)0x5a);
    }

    [Fact]
    public void Kick_takes_a_spinning_vcpu_out_of_kvm_run()
    {
        using var vm = new RealModeVm(OutThenSpin);
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
        using var bound = new ManualResetEventSlim();
        var result = VcpuExitReason.Unknown;
        var thread = new Thread(() =>
        {
            vm.Vcpu.BindToCurrentThread();
            bound.Set();
            result = vm.Vcpu.RunOnce();
        });
        thread.Start();
        bound.Wait(TestContext.Current.CancellationToken);
        Thread.Sleep(50); // let it enter KVM_RUN and spin; the kick must work either way
        vm.Vcpu.Kick();
        thread.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue("the vCPU never left KVM_RUN after a kick");
        result.ShouldBe(VcpuExitReason.Interrupted);
    }

    [Fact]
    public void Kick_before_kvm_run_makes_it_return_at_once_until_cleared()
    {
        using var vm = new RealModeVm(OutThenSpin);
        vm.Vcpu.Kick();
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Interrupted);
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Interrupted);
        vm.Vcpu.ClearKick();
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
    }

    [Fact]
    public void Dirty_log_reports_the_pages_the_guest_wrote()
    {
        // mov byte [0x5000], 1 ; mov byte [0x7000], 1 ; out 0x10, al ; jmp $
        using var vm = new RealModeVm([0xc6, 0x06, 0x00, 0x50, 0x01, 0xc6, 0x06, 0x00, 0x70, 0x01, 0xe6, 0x10, 0xeb, 0xfe], logDirtyPages: true);
        var bitmap = new ulong[vm.Region.PageCount / 64];
        vm.Vm.GetDirtyLog(0, bitmap);
        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
        vm.Vm.GetDirtyLog(0, bitmap);
        var dirty = new List<ulong>();
        foreach (var page in DirtyBitmap.EnumerateSet(bitmap))
            dirty.Add(page);
        dirty.ShouldContain(5UL);
        dirty.ShouldContain(7UL);
        dirty.ShouldNotContain(6UL);
        vm.Memory.Read<byte>(0x5000).ShouldBe((byte)1);
    }

    [Fact]
    public void Dirty_ring_reports_the_pages_the_guest_wrote_and_takes_entries_back_on_reset()
    {
        // again: mov byte [0x5000], 1 ; mov byte [0x7000], 1 ; out 0x10, al ; jmp again
        byte[] code = [0xc6, 0x06, 0x00, 0x50, 0x01, 0xc6, 0x06, 0x00, 0x70, 0x01, 0xe6, 0x10, 0xeb, 0xf2];
        using var vm = new RealModeVm(code, logDirtyPages: true, dirtyRingEntries: 4096);
        var ring = vm.Vcpu.DirtyRing.ShouldNotBeNull();
        ring.Entries.ShouldBe(4096u);
        var entries = new KvmDirtyGfn[64];
        List<ulong> Collected()
        {
            var count = ring.Collect(entries);
            return entries.Take(count).Where(e => e.slot == 0).Select(e => e.offset).ToList();
        }

        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
        var first = Collected();
        first.ShouldContain(5UL);
        first.ShouldContain(7UL);
        first.ShouldNotContain(6UL);
        Collected().ShouldBeEmpty("collecting twice must not report an entry twice");
        vm.Vm.ResetDirtyRings().ShouldBe(first.Count);

        vm.Vcpu.RunOnce().ShouldBe(VcpuExitReason.Io);
        var second = Collected();
        second.ShouldContain(5UL, "after the reset the guest's next writes are recorded again");
        second.ShouldContain(7UL);
    }

    [Fact]
    public void Unknown_ioctl_failure_carries_errno_and_step()
    {
        using var vm = new RealModeVm(OutThenSpin);
        var ex = Should.Throw<KvmException>(() => vm.Vm.SetUserMemoryRegion(0, 0, 0x1234, 4096, vm.Region.HostAddress));
        ex.Errno.ShouldBe(Errno.EINVAL);
        ex.Message.ShouldContain("KVM_SET_USER_MEMORY_REGION");
        ex.Message.ShouldContain("EINVAL");
    }
}
