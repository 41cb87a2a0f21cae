namespace Infernum.Audit.Fast.Evidence.Verification;

/// <summary>How an audit file set fails verification.</summary>
public enum EvidenceFailureKind
{
    /// <summary>A line's bytes differ from the line the checkpoints signed (or the line is malformed).</summary>
    Changed,

    /// <summary>A signed line is missing (or a whole rolled file is: the next file does not commit to the one before it).</summary>
    Deleted,

    /// <summary>A line is present that no checkpoint signed at that place (an added line or a copy).</summary>
    Inserted,

    /// <summary>Signed lines are present in another order.</summary>
    Reordered,

    /// <summary>The file ends before its closing checkpoint, or before the size of a checkpoint kept elsewhere.</summary>
    Truncated,

    /// <summary>A checkpoint or key record is signed by a key that is not pinned, or not the file's current key.</summary>
    UnknownKey,

    /// <summary>A validly signed checkpoint stands where it does not belong: another size or another file's origin.</summary>
    CheckpointReplayed,
}
