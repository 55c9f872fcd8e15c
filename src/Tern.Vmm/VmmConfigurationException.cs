namespace Tern.Vmm;

/// <summary>The machine cannot be built as asked (bad size, missing or malformed kernel). Its message is one line for the user.</summary>
public sealed class VmmConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
