using System.Buffers.Binary;

namespace BackupPS.Engine.Sources;

/// <summary>Whether a -wal lying beside a database (with no connection using it) belongs to that database.</summary>
public enum WalOwnership
{
    /// <summary>No -wal, or one SQLite would replay nothing from (no valid header, no committed frame).</summary>
    Nothing,
    /// <summary>Consistent with the database: its committed frames are the database's newest transactions.</summary>
    Own,
    /// <summary>Provably another database's: replaying it would graft foreign pages onto this one.</summary>
    Foreign,
}

/// <summary>
/// Reads a WAL as SQLite's recovery does (walformat / fileformat2 §4): the 32-byte header (magic, page size, salts,
/// checksum) and the frames whose salts match it and whose cumulative checksums hold, up to the last commit frame.
/// </summary>
/// <remarks>
/// No field of a database file names its WAL, and the salts and checksums only say which frames are the WAL's current
/// generation, i.e. what SQLite would replay into whatever database carries the name. Belonging is therefore judged by
/// what the WAL's history implies about the database: a generation starts after a complete checkpoint, so the database
/// file then held page 1 with change counter C and each page-1 frame of the generation counts up from there (C+1,
/// C+2, ...); the first nBackfill frames (the -shm's checkpoint record, when the -shm describes this WAL) have since been
/// copied into the database, byte for byte. A WAL whose page size differs, whose checkpointed pages are not in the
/// database, or whose page-1 counters do not continue the database's is another database's. A WAL with no such
/// contradiction is taken as the database's own, which is what SQLite itself assumes.
/// </remarks>
internal static class SqliteWal
{
    private const int HeaderSize = 32, FrameHeaderSize = 24, ChangeCounterOffset = 24;

    public static WalOwnership Classify(string database)
    {
        var walPath = database + "-wal";
        if (!File.Exists(walPath)) return WalOwnership.Nothing;
        using var wal = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        using var db = new FileStream(database, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        var header = new byte[HeaderSize];
        if (RandomAccess.Read(wal.SafeFileHandle, header, 0) < HeaderSize) return WalOwnership.Nothing;
        var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if ((magic & 0xFFFFFFFE) != 0x377F0682 || BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)) != 3007000) return WalOwnership.Nothing;
        var bigEndian = (magic & 1) == 1;
        var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
        if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0) return WalOwnership.Nothing;
        var (s1, s2) = Checksum(bigEndian, header.AsSpan(0, 24), 0, 0);
        if (s1 != BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24)) || s2 != BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28))) return WalOwnership.Nothing;

        // The committed frames: (page number, offset of its page image), in WAL order.
        var committed = new List<(uint Page, long Offset)>();
        var pending = new List<(uint Page, long Offset)>();
        var frame = new byte[FrameHeaderSize + pageSize];
        for (long offset = HeaderSize; RandomAccess.Read(wal.SafeFileHandle, frame, offset) == frame.Length; offset += frame.Length)
        {
            var page = BinaryPrimitives.ReadUInt32BigEndian(frame);
            if (page == 0 || !frame.AsSpan(8, 8).SequenceEqual(header.AsSpan(16, 8))) break;
            (s1, s2) = Checksum(bigEndian, frame.AsSpan(0, 8), s1, s2);
            (s1, s2) = Checksum(bigEndian, frame.AsSpan(FrameHeaderSize), s1, s2);
            if (s1 != BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(16)) || s2 != BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(20))) break;
            pending.Add((page, offset + FrameHeaderSize));
            if (BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(4)) != 0) { committed.AddRange(pending); pending.Clear(); }
        }
        if (committed.Count == 0) return WalOwnership.Nothing;

        var dbHeader = new byte[100];
        if (RandomAccess.Read(db.SafeFileHandle, dbHeader, 0) < 100) return WalOwnership.Foreign; // SQLite would graft the frames onto nothing
        var dbPageSize = BinaryPrimitives.ReadUInt16BigEndian(dbHeader.AsSpan(16)) is var p && p == 1 ? 65536 : p;
        if (dbPageSize != pageSize) return WalOwnership.Foreign;
        var dbCounter = BinaryPrimitives.ReadUInt32BigEndian(dbHeader.AsSpan(ChangeCounterOffset));

        var backfilled = CheckpointedFrames(database + "-shm", header, pageSize);
        var image = new byte[pageSize];
        var onDisk = new byte[pageSize];
        var counters = new List<uint>();
        var lastBackfilledPageOne = -1;
        for (var i = 0; i < committed.Count; i++)
        {
            if (committed[i].Page != 1) continue;
            RandomAccess.Read(wal.SafeFileHandle, image, committed[i].Offset);
            counters.Add(BinaryPrimitives.ReadUInt32BigEndian(image.AsSpan(ChangeCounterOffset)));
            if (backfilled is { } n && i < n) lastBackfilledPageOne = counters.Count - 1;
        }
        for (var i = 1; i < counters.Count; i++)
            if (counters[i] != counters[i - 1] + 1) return WalOwnership.Foreign; // not one database's history
        if (counters.Count > 0)
        {
            // Checkpointed up to a page-1 frame: the database holds that one; otherwise the generation's starting page 1.
            uint? expected = backfilled is null ? null : lastBackfilledPageOne >= 0 ? counters[lastBackfilledPageOne] : counters[0] - 1;
            if (expected is { } e ? dbCounter != e : dbCounter < counters[0] - 1 || dbCounter > counters[^1]) return WalOwnership.Foreign;
        }
        if (backfilled is { } count)
        {
            // Every page whose newest checkpointed frame is known must be in the database exactly as in that frame.
            var newest = new Dictionary<uint, long>();
            for (var i = 0; i < Math.Min(count, committed.Count); i++) newest[committed[i].Page] = committed[i].Offset;
            foreach (var (page, offset) in newest)
            {
                if (RandomAccess.Read(db.SafeFileHandle, onDisk, (page - 1L) * pageSize) < pageSize) continue; // truncated by a later commit
                RandomAccess.Read(wal.SafeFileHandle, image, offset);
                if (!image.AsSpan().SequenceEqual(onDisk)) return WalOwnership.Foreign;
            }
        }
        return WalOwnership.Own;
    }

    /// <summary>
    /// nBackfill from the -shm, when its WAL-index header is intact and describes this WAL (same salts and page size);
    /// null when there is no such -shm. Values are in the machine's byte order (walformat §2.1).
    /// </summary>
    private static int? CheckpointedFrames(string shmPath, byte[] walHeader, int pageSize)
    {
        if (!File.Exists(shmPath)) return null;
        var buffer = new byte[136];
        try
        {
            using var shm = new FileStream(shmPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            if (RandomAccess.Read(shm.SafeFileHandle, buffer, 0) < buffer.Length) return null;
        }
        catch (IOException) { return null; }
        var span = buffer.AsSpan();
        if (!span[..48].SequenceEqual(span.Slice(48, 48)) || span[12] != 1) return null;
        if (!span.Slice(32, 8).SequenceEqual(walHeader.AsSpan(16, 8))) return null; // another generation's (or WAL's) index
        var size = BitConverter.ToUInt16(buffer, 14);
        if ((size == 1 ? 65536 : size) != pageSize) return null;
        return (int)BitConverter.ToUInt32(buffer, 96);
    }

    /// <summary>SQLite's WAL checksum: 32-bit words in pairs, s1 += w0 + s2; s2 += w1 + s1, in the byte order the magic names.</summary>
    private static (uint, uint) Checksum(bool bigEndian, ReadOnlySpan<byte> data, uint s1, uint s2)
    {
        for (var i = 0; i + 8 <= data.Length; i += 8)
        {
            var w0 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            var w1 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            s1 += w0 + s2;
            s2 += w1 + s1;
        }
        return (s1, s2);
    }
}
