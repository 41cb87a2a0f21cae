using System;
using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast.Forwarding.Tests.Support;

/// <summary>One run of a forwarder: until a condition holds (30 s at most), then a clean stop.</summary>
internal static class ForwardRun
{
    public static async Task<AuditForwarderCounters> UntilAsync(AuditForwarderOptions options, Func<AuditForwarder, bool> until)
    {
        using AuditForwarder forwarder = new(options);
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => until(forwarder), TimeSpan.FromSeconds(30), "lines taken");

        // A moment more, so a line sent twice would be counted.
        await Task.Delay(300);
        await stop.CancelAsync();
        await running;
        return forwarder.Counters;
    }
}
