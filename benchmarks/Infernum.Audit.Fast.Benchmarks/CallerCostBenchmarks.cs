using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Infernum.Audit.Fast.Benchmarks.Contenders;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// What one audit event costs the calling thread, each contender writing into an output that discards the bytes
/// (Infernum's own writer thread still drains its pipe meanwhile). Ratios are to Infernum.
/// </summary>
[Config(typeof(CallerCostConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CallerCostBenchmarks
{
    internal const string RequestId = "req-7f3a9c2e4b1d";
    internal const string ClientIp = "10.42.17.3";
    internal const string Key = "sk-inf-4f9d8a7b6c5e4d3c2b1a";
    internal const string Endpoint = "/v1/chat/completions";

    private InfernumContender _infernum = null!;
    private InfernumContender _infernumCoarse = null!;
    private SeedStyleContender _seed = null!;
    private LoggerMessageContender _loggerMessage = null!;
    private ZLoggerContender _zlogger = null!;
    private SerilogContender _serilog = null!;
    private NLogContender _nlog = null!;

    [GlobalSetup]
    public void Setup()
    {
        foreach (string name in Verifier.Names)
        {
            Verifier.Verify(name);
        }

        _infernum = new InfernumContender(Output.Discard);
        _infernumCoarse = new InfernumContender(Output.Discard, AuditClock.Coarse);
        _seed = new SeedStyleContender(Output.Discard);
        _loggerMessage = new LoggerMessageContender(Output.Discard);
        _zlogger = new ZLoggerContender(Output.Discard);
        _serilog = new SerilogContender(Output.Discard);
        _nlog = new NLogContender(Output.Discard);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _infernum.Dispose();
        _infernumCoarse.Dispose();
        _seed.Dispose();
        _loggerMessage.Dispose();
        _zlogger.Dispose();
        _serilog.Dispose();
        _nlog.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("auth_success")]
    public void Infernum_AuthSuccess() => _infernum.Logger.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    /// <summary>The same event with <see cref="AuditClock.Coarse"/>: the system clock read once a second per thread.</summary>
    [Benchmark, BenchmarkCategory("auth_success")]
    public void InfernumCoarseClock_AuthSuccess() => _infernumCoarse.Logger.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    [Benchmark, BenchmarkCategory("auth_success")]
    public void SeedStyle_AuthSuccess() => _seed.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    [Benchmark, BenchmarkCategory("auth_success")]
    public void LoggerMessage_AuthSuccess() => _loggerMessage.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    [Benchmark, BenchmarkCategory("auth_success")]
    public void ZLogger_AuthSuccess() => _zlogger.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    [Benchmark, BenchmarkCategory("auth_success")]
    public void Serilog_AuthSuccess() => _serilog.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    [Benchmark, BenchmarkCategory("auth_success")]
    public void NLog_AuthSuccess() => _nlog.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    [Benchmark(Baseline = true), BenchmarkCategory("scope_violation")]
    public void Infernum_ScopeViolation() => _infernum.Logger.ScopeViolation(RequestId, ClientIp, Key, "/api/models/load", "models:admin");

    [Benchmark, BenchmarkCategory("scope_violation")]
    public void SeedStyle_ScopeViolation() => _seed.ScopeViolation(RequestId, ClientIp, Key, "/api/models/load", "models:admin");

    [Benchmark, BenchmarkCategory("scope_violation")]
    public void LoggerMessage_ScopeViolation() => _loggerMessage.ScopeViolation(RequestId, ClientIp, Key, "/api/models/load", "models:admin");

    [Benchmark, BenchmarkCategory("scope_violation")]
    public void ZLogger_ScopeViolation() => _zlogger.ScopeViolation(RequestId, ClientIp, Key, "/api/models/load", "models:admin");

    [Benchmark, BenchmarkCategory("scope_violation")]
    public void Serilog_ScopeViolation() => _serilog.ScopeViolation(RequestId, ClientIp, Key, "/api/models/load", "models:admin");

    [Benchmark, BenchmarkCategory("scope_violation")]
    public void NLog_ScopeViolation() => _nlog.ScopeViolation(RequestId, ClientIp, Key, "/api/models/load", "models:admin");

    [Benchmark(Baseline = true), BenchmarkCategory("user_event_6_fields")]
    public void Infernum_UserEvent() => InfernumContender.Completed(_infernum.Logger, RequestId, 512, 4096, Verifier.SessionId, 12.5, true, ModelTier.EnterpriseGold);

    [Benchmark, BenchmarkCategory("user_event_6_fields")]
    public void SeedStyle_UserEvent() => _seed.InferenceCompleted(RequestId, 512, 4096, Verifier.SessionId, 12.5, true, ModelTier.EnterpriseGold);

    [Benchmark, BenchmarkCategory("user_event_6_fields")]
    public void LoggerMessage_UserEvent() => _loggerMessage.InferenceCompleted(RequestId, 512, 4096, Verifier.SessionId, 12.5, true, ModelTier.EnterpriseGold);

    [Benchmark, BenchmarkCategory("user_event_6_fields")]
    public void ZLogger_UserEvent() => _zlogger.InferenceCompleted(RequestId, 512, 4096, Verifier.SessionId, 12.5, true, ModelTier.EnterpriseGold);

    [Benchmark, BenchmarkCategory("user_event_6_fields")]
    public void Serilog_UserEvent() => _serilog.InferenceCompleted(RequestId, 512, 4096, Verifier.SessionId, 12.5, true, ModelTier.EnterpriseGold);

    [Benchmark, BenchmarkCategory("user_event_6_fields")]
    public void NLog_UserEvent() => _nlog.InferenceCompleted(RequestId, 512, 4096, Verifier.SessionId, 12.5, true, ModelTier.EnterpriseGold);
}
