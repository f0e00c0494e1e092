using BackupPS.Engine.Model;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Requests a backup must refuse, each with its error id, and without leaving anything behind.</summary>
public sealed class BackupValidationTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Destination => _temp["backups"];

    private void AssertNothingWritten()
    {
        if (Directory.Exists(Destination)) Assert.Empty(_temp.Listing(Destination));
    }

    private BackupException Fails(string errorId, Action action)
    {
        var ex = Assert.Throws<BackupException>(action);
        Assert.Equal(errorId, ex.ErrorId);
        AssertNothingWritten();
        return ex;
    }

    [Theory]
    [InlineData(false, false, null)]                  // default type Database, no database
    [InlineData(true, true, BackupType.Database)]     // a Database backup would silently leave the files out
    [InlineData(false, true, BackupType.Database)]
    [InlineData(true, false, BackupType.Full)]
    [InlineData(false, true, BackupType.Full)]
    [InlineData(false, false, BackupType.Full)]
    [InlineData(false, false, BackupType.Files)]
    [InlineData(true, false, BackupType.Files)]
    [InlineData(true, true, BackupType.Files)]
    [InlineData(false, false, BackupType.PreRestore)]
    public void Invalid_type_combinations_are_InvalidBackupType(bool withDatabase, bool withFiles, BackupType? type)
    {
        var db = withDatabase ? Db.Create(_temp["a.db"]) : null;
        var files = withFiles ? new[] { _temp.CreateDirectory("docs") } : [];
        var ex = Fails("InvalidBackupType", () => Backups.Make(db, Destination, include: files, type: type));
        Assert.Equal(BackupErrorKind.InvalidArgument, ex.Kind);
        Assert.False(Directory.Exists(Destination), "the destination was created for a request that was refused");
    }

    [Theory]
    [InlineData(true, true, null, BackupType.Full)]
    [InlineData(true, false, null, BackupType.Database)]
    [InlineData(false, true, null, BackupType.Files)]
    [InlineData(false, true, BackupType.Files, BackupType.Files)]
    [InlineData(true, true, BackupType.PreRestore, BackupType.PreRestore)]
    [InlineData(true, false, BackupType.PreRestore, BackupType.PreRestore)]
    public void Valid_type_combinations(bool withDatabase, bool withFiles, BackupType? type, BackupType expected)
    {
        var db = withDatabase ? Db.Create(_temp["a.db"]) : null;
        if (withFiles) _temp.WriteFile("docs/a.txt", "a");
        var files = withFiles ? new[] { _temp["docs"] } : [];
        Assert.Equal(expected, Backups.Make(db, Destination, include: files, type: type).Type);
    }

    [Fact]
    public void Missing_database_is_DatabaseNotFound()
    {
        var ex = Fails("DatabaseNotFound", () => Backups.Make(_temp["nope.db"], Destination));
        Assert.Equal(BackupErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public void A_folder_as_database_is_DatabaseIsDirectory() =>
        Fails("DatabaseIsDirectory", () => Backups.Make(_temp.CreateDirectory("folder.db"), Destination));

    [Theory]
    [InlineData("text", "this is a text file, not a database\n")]
    [InlineData("short-header", "SQLite for")]
    [InlineData("almost", "SQLite format 2\0 and then some more bytes")]
    public void A_file_that_is_not_a_database_is_NotASqliteDatabase(string name, string content)
    {
        var ex = Fails("NotASqliteDatabase", () => Backups.Make(_temp.WriteFile(name + ".db", content), Destination));
        Assert.Equal(BackupErrorKind.InvalidData, ex.Kind);
    }

    [Fact]
    public void An_empty_file_is_NotASqliteDatabase()
    {
        var ex = Fails("NotASqliteDatabase", () => Backups.Make(_temp.WriteFile("empty.db", []), Destination));
        Assert.Contains("empty", ex.Message);
    }

    [Fact]
    public void A_database_with_a_valid_header_but_garbage_pages_fails_and_leaves_nothing_behind()
    {
        var content = new byte[8192];
        "SQLite format 3\0"u8.CopyTo(content);
        Bytes.Random(8192 - 16, 51).CopyTo(content, 16);
        var path = _temp.WriteFile("garbage.db", content);
        var ex = Assert.Throws<BackupException>(() => Backups.Make(path, Destination));
        Assert.Contains(ex.ErrorId, new[] { "NotASqliteDatabase", "DatabaseCorrupt" });
        Assert.Empty(_temp.Listing(Destination)); // no .partial, no snapshot, no probe
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_destination_that_is_a_file_is_DestinationIsFile()
    {
        var db = Db.Create(_temp["a.db"]);
        var file = _temp.WriteFile("backups", "I am a file");
        var ex = Assert.Throws<BackupException>(() => Backups.Make(db, file));
        Assert.Equal("DestinationIsFile", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("I am a file", File.ReadAllText(file));
    }

    [Fact]
    public void A_missing_IncludePath_is_IncludePathNotFound_and_nothing_is_written()
    {
        var db = Db.Create(_temp["a.db"]);
        var present = _temp.CreateDirectory("present");
        var ex = Fails("IncludePathNotFound", () => Backups.Make(db, Destination, include: [present, _temp["missing"]]));
        Assert.Equal(BackupErrorKind.NotFound, ex.Kind);
        Assert.False(Directory.Exists(Destination));
    }

    [Fact]
    public void A_fifo_as_IncludePath_is_refused()
    {
        var fifo = _temp["pipe"];
        Tool.Ok("mkfifo", null, fifo);
        Fails("IncludePathNotRegular", () => Backups.Make(null, Destination, include: [fifo], type: BackupType.Files));
    }

    [Fact]
    public void A_database_locked_exclusively_is_DatabaseLocked_after_the_lock_timeout()
    {
        var db = Db.Create(_temp["locked.db"]);
        using var holder = Db.Open(db);
        Db.Exec(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;");
        var ex = Assert.Throws<BackupException>(() => Operations.BackupOperation.Run(new Operations.BackupRequest
        {
            DatabasePath = db,
            Destination = Destination,
            LockTimeout = TimeSpan.FromSeconds(1),
        }, OperationContext.None));
        Assert.Equal("DatabaseLocked", ex.ErrorId);
        Assert.Equal(BackupErrorKind.ResourceBusy, ex.Kind);
        Assert.Empty(_temp.Listing(Destination));
        Db.Exec(holder, "ROLLBACK");
    }

    [Fact]
    public void A_cancelled_backup_is_OperationStopped_and_leaves_nothing_behind()
    {
        var db = Db.Create(_temp["a.db"], customers: 2000);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var ex = Assert.Throws<BackupException>(() => Operations.BackupOperation.Run(
            new Operations.BackupRequest { DatabasePath = db, Destination = Destination }, new OperationContext(cancel.Token)));
        Assert.Equal("OperationStopped", ex.ErrorId);
        Assert.Empty(_temp.Listing(Destination));
    }
}
