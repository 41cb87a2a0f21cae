using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>A real generic host whose audit file is tamper-evident, the key and checkpoint settings from configuration.</summary>
public sealed class HostedEvidenceTests : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/hosted", 11);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private IHost Host(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = _folder,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddInfernumAudit(builder.Configuration.GetSection("Audit"));
        builder.Services.AddInfernumAuditEvidence(builder.Configuration.GetSection("Audit:Evidence"));
        return builder.Build();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KeyFromConfiguration_SignsTheHostsFile_WhichVerifies(bool keyFile)
    {
        Dictionary<string, string?> settings = new()
        {
            ["Audit:FilePath"] = "logs/audit.jsonl",
            ["Audit:Evidence:CheckpointLines"] = "100",
        };
        if (keyFile)
        {
            File.WriteAllText(Path.Combine(_folder, "signing.key"), _key.Export() + "\n");
            settings["Audit:Evidence:SigningKeyFile"] = "signing.key"; // relative to the content root
        }
        else
        {
            settings["Audit:Evidence:SigningKey"] = _key.Export();
        }

        using (IHost host = Host(settings))
        {
            await host.StartAsync();
            AuditLogger audit = host.Services.GetRequiredService<AuditLogger>();
            for (int batch = 0; batch < 10; batch++)
            {
                for (int i = 0; i < 100; i++)
                {
                    audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
                }

                audit.Flush(); // a batch of 100 lines: with CheckpointLines = 100 each is followed by a checkpoint
            }

            await host.StopAsync();
        }

        string path = Path.Combine(_folder, "logs", "audit.jsonl");
        List<string> lines = EvidenceFiles.Lines(path);
        Assert.Contains("\"event_type\":\"audit_evidence_start\"", lines[0], StringComparison.Ordinal);
        Assert.Equal(1_000, lines.Count(l => l.Contains("\"event_type\":\"auth_success\"", StringComparison.Ordinal)));
        Assert.True(lines.Count(l => l.Contains("\"event_type\":\"audit_checkpoint\"", StringComparison.Ordinal)) >= 10); // after every 100 lines, as configured (the default is 4,096 or a second)

        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.Null(report.Failure);
        Assert.Equal(lines.Count, report.Lines);

        // Signed by the configured key and no other.
        using NoteSigningKey other = EvidenceFiles.Key("audit.example/hosted", 12);
        Assert.NotNull(EvidenceFiles.Verify(path, other.VerifierKey).Failure);
    }

    public static TheoryData<string, string?, string?, string> BadSettings => new()
    {
        { "neither", null, null, "Evidence:SigningKeyFile or Evidence:SigningKey is required" },
        { "both", "signing.key", "KEY", "not both" },
        { "missing file", "absent.key", null, "cannot be read" },
        { "verifier key, not signer", null, "VERIFIER", "is not an Ed25519 signing key" },
        { "damaged key", null, "DAMAGED", "is not an Ed25519 signing key" },
        { "the audit file itself", "logs/audit.jsonl", null, "the key never comes from the file it signs" },
        { "a directory", ".", null, "cannot be read" },
        { "an empty file", "empty.key", null, "is not an Ed25519 signing key" },
        { "an endless file", "/dev/zero", null, "is longer than 4096 characters" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task BadKeySettings_StopTheStart_NamingTheSetting_NeverTheKey(string what, string? keyFile, string? key, string expected)
    {
        File.WriteAllText(Path.Combine(_folder, "signing.key"), _key.Export());
        File.WriteAllText(Path.Combine(_folder, "empty.key"), string.Empty);
        string exported = _key.Export();
        string? keyText = key switch
        {
            "KEY" => exported,
            "VERIFIER" => _key.VerifierKey.ToString(),
            "DAMAGED" => exported[..^6] + "AAAAAA",
            _ => null,
        };
        using IHost host = Host(new()
        {
            ["Audit:FilePath"] = "logs/audit.jsonl",
            ["Audit:Evidence:SigningKeyFile"] = keyFile,
            ["Audit:Evidence:SigningKey"] = keyText,
        });

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(exported.Split('+')[^1], error.Message, StringComparison.Ordinal); // the secret part of the key
        Assert.False(File.Exists(Path.Combine(_folder, "logs", "audit.jsonl")), what);
    }

    [Theory]
    [InlineData("symbolic")]
    [InlineData("hard")]
    public async Task AKeyFileThatIsALinkToTheAuditFile_StopsTheStart(string link)
    {
        // The audit file exists (a restart): the key file reaches it by another name.
        string audit = Path.Combine(_folder, "logs", "audit.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(audit)!);
        EvidenceFiles.Log(audit, _key, 10);
        string keyFile = Path.Combine(_folder, "signing.key");
        if (link == "symbolic")
        {
            File.CreateSymbolicLink(keyFile, audit);
        }
        else
        {
            using System.Diagnostics.Process ln = System.Diagnostics.Process.Start("ln", [audit, keyFile])!;
            await ln.WaitForExitAsync();
            Assert.Equal(0, ln.ExitCode);
        }

        long before = new FileInfo(audit).Length;
        using IHost host = Host(new()
        {
            ["Audit:FilePath"] = "logs/audit.jsonl",
            ["Audit:Evidence:SigningKeyFile"] = "signing.key",
        });

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("the key never comes from the file it signs", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, new FileInfo(audit).Length);
    }

    [Theory]
    [InlineData("\uFEFF{0}")]
    [InlineData("\uFEFF{0}\r\n")]
    [InlineData("  {0}\r\n\r\n")]
    [InlineData("\t{0} ")]
    public async Task AKeyWithABomOrSurroundingWhitespace_IsTheKey(string shape)
    {
        // A key from an environment variable or a secret store that was saved by an editor (BOM, CRLF, indentation).
        string text = string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, _key.Export());
        foreach (bool keyFile in new[] { true, false })
        {
            string logs = "logs-" + keyFile;
            Dictionary<string, string?> settings = new() { ["Audit:FilePath"] = logs + "/audit.jsonl" };
            if (keyFile)
            {
                File.WriteAllText(Path.Combine(_folder, "bom.key"), text, new System.Text.UTF8Encoding(false));
                settings["Audit:Evidence:SigningKeyFile"] = "bom.key";
            }
            else
            {
                settings["Audit:Evidence:SigningKey"] = text;
            }

            using (IHost host = Host(settings))
            {
                await host.StartAsync();
                host.Services.GetRequiredService<AuditLogger>().AuthSuccess("req-1", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
                await host.StopAsync();
            }

            Assert.Null(EvidenceFiles.Verify(Path.Combine(_folder, logs, "audit.jsonl"), _key.VerifierKey).Failure);
        }
    }

    [Theory]
    [InlineData("Sink", "StandardOutput")]
    [InlineData("ForwardToLogger", "Only")]
    public async Task EvidenceWithoutAFileToWrite_StopsTheStart_InsteadOfLoggingUnprotected(string setting, string value)
    {
        using IHost host = Host(new()
        {
            ["Audit:FilePath"] = "logs/audit.jsonl",
            ["Audit:" + setting] = value,
            ["Audit:Evidence:SigningKey"] = _key.Export(),
        });

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Audit:" + setting, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_key.Export().Split('+')[^1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMisspelledSetting_StopsTheStart()
    {
        using IHost host = Host(new()
        {
            ["Audit:FilePath"] = "logs/audit.jsonl",
            ["Audit:Evidence:SigningKey"] = _key.Export(),
            ["Audit:Evidence:CheckpointLine"] = "100",
        });

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("CheckpointLine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACheckpointSettingOutOfRange_StopsTheStart()
    {
        using IHost host = Host(new()
        {
            ["Audit:FilePath"] = "logs/audit.jsonl",
            ["Audit:Evidence:SigningKey"] = _key.Export(),
            ["Audit:Evidence:CheckpointLines"] = "0",
        });

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("CheckpointLines", error.Message, StringComparison.Ordinal);
    }
}
