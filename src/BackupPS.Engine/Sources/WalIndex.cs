using System.Buffers.Binary;

namespace BackupPS.Engine.Sources;

/// <summary>
/// Reads the WAL-index header of a WAL-mode database's -shm file, as SQLite's walformat document specifies it for the
/// unix and windows VFSes: two identical 48-byte copies of WalIndexHdr (mxFrame at offset 16), then WalCkptInfo
/// (nBackfill at offset 96). Values are in the machine's byte order.
/// </summary>
internal static class WalIndex
{
    private const int HeaderCopySize = 48, IsInitOffset = 12, MaxFrameOffset = 16, BackfillOffset = 96, Needed = 136;

    /// <summary>True when every frame in the WAL has been copied into the database file (nBackfill == mxFrame).</summary>
    /// <remarks>Reads through the caller's descriptor, which must stay open while SQLite's connection is (POSIX locks).</remarks>
    public static bool IsFullyCheckpointed(FileStream shm)
    {
        var buffer = new byte[Needed];
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (RandomAccess.Read(shm.SafeFileHandle, buffer, 0) < Needed) return false;
            }
            catch (IOException)
            {
                return false;
            }
            var span = buffer.AsSpan();
            // A writer updates the copies one after the other: differing copies mean a header in flux, so read again.
            if (!span[..HeaderCopySize].SequenceEqual(span.Slice(HeaderCopySize, HeaderCopySize)) || span[IsInitOffset] != 1)
            {
                Thread.Sleep(1);
                continue;
            }
            var maxFrame = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(span[MaxFrameOffset..]) : BinaryPrimitives.ReadUInt32BigEndian(span[MaxFrameOffset..]);
            var backfill = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(span[BackfillOffset..]) : BinaryPrimitives.ReadUInt32BigEndian(span[BackfillOffset..]);
            return backfill == maxFrame;
        }
        return false;
    }
}
