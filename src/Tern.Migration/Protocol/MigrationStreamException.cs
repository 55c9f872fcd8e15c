namespace Tern.Migration.Protocol;

/// <summary>The stream is malformed, truncated, corrupted or from an incompatible version. The message is one line for the user.</summary>
public sealed class MigrationStreamException(string message, Exception? inner = null) : Exception(message, inner);
