namespace Tern.Migration.Protocol;

/// <summary>Record types of the migration stream (docs/migration-protocol.md). Source → destination below 0x100, replies above.</summary>
public enum RecordType : ushort
{
    Hello = 0x01,
    StateSection = 0x02,
    Pages = 0x03,
    RoundEnd = 0x04,
    Complete = 0x05,
    PopulatedPages = 0x06,

    Ready = 0x101,
    Running = 0x102,
    Error = 0x103,
    ResumeReport = 0x104,
}
