using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Engine.Tests.Support;

/// <summary>Runs the real engine operations with test-friendly defaults.</summary>
public static class Backups
{
    public static BackupRecord Make(string? database, string destination, IReadOnlyList<string>? include = null, BackupType? type = null,
        CompressionKind compression = CompressionKind.Zstd, string? name = null, IReadOnlyList<string>? tags = null, List<string>? warnings = null)
    {
        var context = new OperationContext(warning: warnings is null ? null : warnings.Add);
        return BackupOperation.Run(new BackupRequest
        {
            DatabasePath = database,
            IncludePaths = include ?? [],
            Destination = destination,
            Type = type,
            Compression = compression,
            Name = name,
            Tags = tags ?? [],
            LockTimeout = TimeSpan.FromSeconds(5),
        }, context);
    }

    public static VerifyResult Verify(string path, string? scratch = null) =>
        VerifyOperation.Run(new VerifyRequest { Path = path, ScratchDirectory = scratch }, OperationContext.None);

    public static RestoreResult Restore(RestoreRequest request)
    {
        var plan = RestoreOperation.Plan(request);
        return RestoreOperation.Run(plan, request, OperationContext.None);
    }

    public static JsonDocument ReadJson(string path) => JsonDocument.Parse(File.ReadAllBytes(path));

    /// <summary>Extracts a backup with GNU tar (the format promise: a standard tar, optionally zstd/gzip-compressed).</summary>
    public static string ExtractWithTar(string backup, string into)
    {
        Directory.CreateDirectory(into);
        var flag = backup.EndsWith(".zst") ? "--zstd" : backup.EndsWith(".gz") ? "--gzip" : "--no-auto-compress";
        Tool.Ok("tar", into, flag, "-xpf", backup);
        return into;
    }

    /// <summary>
    /// Edits manifest.json INSIDE the archive and the sidecar's copy alike, and gives the sidecar the new file's size and
    /// SHA-256: a backup whose two manifests agree with each other (and with every checksum) but not with its data.
    /// </summary>
    public static void EditBothManifests(BackupRecord record, CompressionKind compression, Action<JsonNode> edit)
    {
        var tar = new MemoryStream();
        using (var file = File.OpenRead(record.Path))
        using (var input = Codec.CreateDecompressor(compression, file))
        using (var reader = new TarReader(input))
        using (var writer = new System.Formats.Tar.TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                if (entry.Name == Format.Manifest.EntryName)
                {
                    var manifest = JsonNode.Parse(entry.DataStream!)!;
                    edit(manifest);
                    entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
                }
                writer.WriteEntry(entry);
            }
        }
        using (var file = new FileStream(record.Path, FileMode.Create, FileAccess.Write))
        {
            var compressor = Codec.CreateCompressor(compression, file, null);
            compressor.Write(tar.ToArray());
            Codec.Finish(compressor);
            compressor.Dispose();
        }
        var sidecar = JsonNode.Parse(File.ReadAllText(record.SidecarPath))!;
        edit(sidecar["manifest"]!);
        sidecar["sizeBytes"] = new FileInfo(record.Path).Length;
        sidecar["sha256"] = Bytes.Sha256Hex(File.ReadAllBytes(record.Path));
        File.WriteAllText(record.SidecarPath, sidecar.ToJsonString());
    }

    public static void CheckOutcome(VerifyResult result, string check, CheckOutcome outcome) =>
        Assert.True(result.Checks.Any(c => c.Name == check && c.Outcome == outcome),
            $"expected check {check} to be {outcome}; checks: {string.Join("; ", result.Checks.Select(c => $"{c.Name}={c.Outcome} ({c.Message})"))}");
}
