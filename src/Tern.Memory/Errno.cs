namespace Tern.Memory;

/// <summary>Symbolic errno names, so errors read "EACCES" rather than "13".</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, EBADF = 9, EAGAIN = 11,
        ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28,
        ENOSYS = 38, EOPNOTSUPP = 95;

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", EINTR => "EINTR", EIO => "EIO", ENXIO => "ENXIO", E2BIG => "E2BIG",
        EBADF => "EBADF", EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT",
        EBUSY => "EBUSY", EEXIST => "EEXIST", ENODEV => "ENODEV", EINVAL => "EINVAL", ENOSPC => "ENOSPC",
        ENOSYS => "ENOSYS", EOPNOTSUPP => "EOPNOTSUPP",
        _ => $"errno {errno}",
    };
}
