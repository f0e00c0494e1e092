using System.Diagnostics;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests.StoreContract;

/// <summary>
/// The repository's S3 test server (tests/s3server, node, 127.0.0.1, a free port, a temp directory), started once for
/// the contract suite and killed at the end. It must be installed (npm ci --prefix tests/s3server, as .ci/run does):
/// a missing server fails the suite rather than skipping it.
/// </summary>
public sealed class S3TestServer : IDisposable
{
    public const string Bucket = "contract";
    private readonly TempDir _data = new();
    private readonly Process _node;

    public S3TestServer()
    {
        var script = Path.Combine(RepoRoot(), "tests", "s3server", "server.js");
        if (!Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules")))
            throw new InvalidOperationException("The S3 test server is not installed: run npm ci --prefix tests/s3server.");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--openssl-legacy-provider", script, "--directory", _data.Path, "--port", "0", "--bucket", Bucket }) start.ArgumentList.Add(a);
        _node = Process.Start(start)!;
        _node.ErrorDataReceived += (_, _) => { };
        _node.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var line = _node.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The S3 test server exited before listening.");
            if (line.StartsWith("S3SERVER LISTENING ", StringComparison.Ordinal))
            {
                Endpoint = $"http://127.0.0.1:{line["S3SERVER LISTENING ".Length..].Trim()}";
                return;
            }
        }
        throw new InvalidOperationException("The S3 test server did not listen within 60 s.");
    }

    public string Endpoint { get; } = "";

    public Destinations.StoreConnections Connections => new()
    {
        S3 = new Destinations.S3Settings { Endpoint = Endpoint, AccessKey = "S3RVER", SecretKey = "S3RVER", Region = "us-east-1", PartSizeBytes = 5 << 20 },
    };

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BackupPS.sln"))) return dir.FullName;
        throw new InvalidOperationException("BackupPS.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { _node.Kill(entireProcessTree: true); _node.WaitForExit(10_000); } catch (InvalidOperationException) { }
        _node.Dispose();
        _data.Dispose();
    }
}
