namespace Tern.Memory.Tests;

public class MemoryExceptionTests
{
    [Fact]
    public void A_logic_error_has_errno_zero_and_the_plain_message()
    {
        var ex = new MemoryException("region overlaps");
        ex.Errno.ShouldBe(0);
        ex.Message.ShouldBe("region overlaps");
    }

    [Fact]
    public void A_kernel_error_names_its_errno_symbolically()
    {
        var ex = new MemoryException("cannot map 4096 MiB of guest RAM", Errno.ENOMEM);
        ex.Message.ShouldBe("cannot map 4096 MiB of guest RAM: ENOMEM");
    }

    [Fact]
    public void An_errno_without_a_name_is_shown_as_a_number() =>
        Errno.Name(200).ShouldBe("errno 200");
}
