using System.Collections.Generic;
using System.Linq;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary>A <c>bool</c> event returns <see langword="true"/> exactly when its line is published, whatever dropped it.</summary>
public sealed class AcceptedResultTests
{
    // A value that does not fit its room (its TryFormat returns false) drops the event after TryBeginLine accepted
    // it: the caller that asked for a result (FailClosed, to act on a refusal) must see false, not true.
    [Theory]
    [InlineData(AuditFullMode.FailClosed)]
    [InlineData(AuditFullMode.Block)]
    [InlineData(AuditFullMode.Drop)]
    public void A_bool_event_whose_line_is_dropped_after_it_began_returns_false(AuditFullMode mode)
    {
        var memory = new MemorySink();
        var logger = new AuditLogger(memory, null, new AuditDeliveryOptions { FullMode = mode });
        bool fits = StageEvents.SizedChecked(logger, "fits", new SizedValue(3));
        bool tooLong = StageEvents.SizedChecked(logger, "too-long", new SizedValue(AuditLineWriter.MaxFormattedBytes + 88));
        bool plain = StageEvents.SizedCheckedPlain(logger, "plain", 7);
        logger.Dispose();
        bool afterDispose = StageEvents.SizedCheckedPlain(logger, "late", 8);

        Assert.Equal((true, false, true, false), (fits, tooLong, plain, afterDispose));
        Assert.Equal(1, logger.Counters.DroppedFormatError);
        List<AuditFile.Entry> entries = AuditFile.Parse(memory.Lines);
        Assert.Equal(["fits", "plain"], entries.Where(e => !e.IsDropRecord).Select(e => e.RequestId));
    }
}
