using System.Text.Json.Serialization;
using Tern.Migration.Strategies;

namespace Tern.Migration.Metrics;

/// <summary>
/// Compile-time JSON contracts for what a migration reports (no reflection, so the CLI can be compiled
/// ahead of time). Report fields are named by their attributes; progress fields keep their C# names.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(MigrationReport))]
[JsonSerializable(typeof(MigrationProgress))]
public sealed partial class MigrationJsonContext : JsonSerializerContext;
