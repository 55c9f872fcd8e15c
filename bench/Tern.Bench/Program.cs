using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/Tern.Bench -- --filter '*'` runs everything; any
// BenchmarkDotNet option works after `--` (e.g. `--filter '*DirtyBitmap*'`, `--list flat`).
BenchmarkSwitcher.FromAssembly(typeof(Tern.Bench.ShortRunConfig).Assembly).Run(args, new Tern.Bench.ShortRunConfig());
