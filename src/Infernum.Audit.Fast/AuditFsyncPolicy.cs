namespace Infernum.Audit.Fast;

/// <summary>When a file sink forces written lines to the disk (fsync). Disposal always does.</summary>
public enum AuditFsyncPolicy
{
    /// <summary>Never before disposal: lines are handed to the OS after each batch, which survives a process crash but not a power loss.</summary>
    None,

    /// <summary>At most every <see cref="AuditFileOptions.FsyncInterval"/>, after a batch.</summary>
    Interval,

    /// <summary>After every batch the writer writes.</summary>
    EveryBatch,
}
