// These tests exercise Unix behaviour (file modes, FIFOs, GNU tar, sqlite3, zstd CLIs): they run on Linux and macOS.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
