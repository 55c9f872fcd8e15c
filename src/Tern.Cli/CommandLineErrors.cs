using System.CommandLine;

namespace Tern.Cli;

/// <summary>
/// Turns every failure into one line on stderr and a non-zero exit code: users of a VMM read
/// "tern: cannot open /dev/kvm: EACCES", not a stack trace. TERN_DEBUG=1 keeps the trace for
/// developers.
/// </summary>
internal static class CommandLineErrors
{
    public const int UsageError = 2;
    public const int Failure = 1;

    public static int Invoke(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"tern: {error.Message}");
            Console.Error.WriteLine("Run 'tern --help' (or 'tern <command> --help') for usage.");
            return UsageError;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (Environment.GetEnvironmentVariable("TERN_DEBUG") != "1")
        {
            Console.Error.WriteLine($"tern: {OneLine(ex)}");
            return Failure;
        }
    }

    private static string OneLine(Exception ex) =>
        ex is AggregateException { InnerExceptions.Count: 1 } agg ? OneLine(agg.InnerExceptions[0])
        : ex.Message.ReplaceLineEndings(" ");
}
