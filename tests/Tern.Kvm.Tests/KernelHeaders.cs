using System.Diagnostics;
using System.Text;
using Tern.TestKit;

namespace Tern.Kvm.Tests;

/// <summary>
/// Asks the C compiler what /usr/include/linux/kvm.h says: a generated program prints each requested
/// expression as "name value". Compiled once per test run.
/// </summary>
internal static class KernelHeaders
{
    public static IReadOnlyDictionary<string, ulong> Evaluate(IEnumerable<(string Name, string CExpression)> expressions)
    {
        if (!File.Exists("/usr/include/linux/kvm.h"))
            Assert.Fail("/usr/include/linux/kvm.h is missing: install linux-libc-dev (and gcc)");
        using var dir = new TempDirectory();
        var source = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/kvm.h>\nint main(void) {\n");
        foreach (var (name, expression) in expressions)
            source.Append($"  printf(\"%s %llu\\n\", \"{name}\", (unsigned long long)({expression}));\n");
        source.Append("  return 0;\n}\n");
        var c = dir.File("abi.c");
        var exe = dir.File("abi");
        File.WriteAllText(c, source.ToString());
        var (code, output) = Run("gcc", "-o", exe, c);
        if (code != 0)
            Assert.Fail($"gcc failed on the generated ABI probe:\n{output}");
        (code, output) = Run(exe);
        code.ShouldBe(0);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => ulong.Parse(parts[1]));
    }

    private static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
