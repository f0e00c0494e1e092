using System.Security.Cryptography;
using System.Text;

namespace BackupPS.Engine.Format;

/// <summary>
/// Writes a POSIX (pax) tar stream entry by entry, each entry's size known before its data, so a database can be
/// streamed straight from disk without buffering. Long or non-ASCII names get a pax 'x' header, like GNU tar does,
/// or a GNU 'L' long-name entry when the name holds a newline (docs/format.md, format 2).
/// System.Formats.Tar reads these archives back; its writer needs seekable data streams, which is why this exists.
/// </summary>
internal sealed class TarWriter(Stream output)
{
    private const int BlockSize = 512;
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;
    private readonly byte[] _copyBuffer = new byte[1 << 20];

    /// <summary>Writes a regular file of exactly <paramref name="size"/> bytes read from <paramref name="data"/>; returns its SHA-256.</summary>
    public string WriteFile(string name, long size, int mode, DateTimeOffset modified, Stream data, Action<long>? progress = null)
    {
        WriteHeader(name, '0', size, mode, modified);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long copied = 0;
        while (copied < size)
        {
            var want = (int)Math.Min(_copyBuffer.Length, size - copied);
            var n = data.Read(_copyBuffer, 0, want);
            if (n == 0)
                throw new BackupException("SourceChanged", BackupErrorKind.InvalidData,
                    $"'{name}' became shorter while it was being backed up ({copied} of {size} bytes). Run the backup again when the file is not being rewritten.", name);
            hash.AppendData(_copyBuffer, 0, n);
            output.Write(_copyBuffer, 0, n);
            copied += n;
            progress?.Invoke(n);
        }
        WritePadding(size);
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    public string WriteFile(string name, byte[] content, int mode, DateTimeOffset modified)
    {
        using var ms = new MemoryStream(content, writable: false);
        return WriteFile(name, content.Length, mode, modified, ms);
    }

    public void WriteDirectory(string name, int mode, DateTimeOffset modified) =>
        WriteHeader(name.EndsWith('/') ? name : name + "/", '5', 0, mode, modified);

    /// <summary>Two zero blocks end a tar archive.</summary>
    public void Finish() => output.Write(new byte[BlockSize * 2]);

    private void WriteHeader(string name, char type, long size, int mode, DateTimeOffset modified)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var mtime = Math.Max(0, (long)(modified - Epoch).TotalSeconds);
        var needsLong = nameBytes.Length > 100 || nameBytes.Any(b => b >= 0x80);
        if (needsLong && name.Contains('\n'))
        {
            // A GNU 'L' long-name entry: System.Formats.Tar rejects a pax path record holding a newline.
            var longName = new byte[nameBytes.Length + 1]; // NUL-terminated
            nameBytes.CopyTo(longName, 0);
            output.Write(BuildHeader("././@LongLink"u8.ToArray(), 'L', longName.Length, 0, 0, gnu: true));
            output.Write(longName);
            WritePadding(longName.Length);
            output.Write(BuildHeader(nameBytes.AsSpan(0, Math.Min(100, nameBytes.Length)).ToArray(), type, size, mode, mtime, gnu: true));
            return;
        }
        var needsPax = needsLong || size >= 0x1_FFFF_FFFF; // 8 GiB: octal field limit
        if (needsPax)
        {
            var records = new StringBuilder();
            AppendPaxRecord(records, "path", name);
            if (size >= 0x1_FFFF_FFFF) AppendPaxRecord(records, "size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var paxData = Encoding.UTF8.GetBytes(records.ToString());
            output.Write(BuildHeader(Encoding.ASCII.GetBytes("PaxHeaders/" + (uint)name.GetHashCode()), 'x', paxData.Length, 0x180, mtime));
            output.Write(paxData);
            WritePadding(paxData.Length);
            nameBytes = Encoding.ASCII.GetBytes(AsciiFallback(name));
        }
        output.Write(BuildHeader(nameBytes, type, size < 0x1_FFFF_FFFF ? size : 0, mode, mtime));
    }

    /// <summary>A ustar header, or with <paramref name="gnu"/> a GNU one (its magic, and a base-256 size past the octal field).</summary>
    private static byte[] BuildHeader(byte[] name, char type, long size, int mode, long mtime, bool gnu = false)
    {
        var h = new byte[BlockSize];
        name.AsSpan(0, Math.Min(100, name.Length)).CopyTo(h);
        WriteOctal(h, 100, 8, mode & 0xFFF);
        WriteOctal(h, 108, 8, 0);          // uid: restore sets the restoring user as owner
        WriteOctal(h, 116, 8, 0);          // gid
        if (gnu && size >= 0x1_FFFF_FFFF)
        {
            h[124] = 0x80;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(h.AsSpan(128, 8), size);
        }
        else WriteOctal(h, 124, 12, size);
        WriteOctal(h, 136, 12, mtime);
        h[156] = (byte)type;
        (gnu ? "ustar  \0"u8 : "ustar\000"u8).CopyTo(h.AsSpan(257));
        "        "u8.CopyTo(h.AsSpan(148)); // checksum is computed with its own field as spaces
        var sum = 0;
        foreach (var b in h) sum += b;
        WriteOctal(h, 148, 7, sum);
        h[155] = (byte)' ';
        return h;
    }

    private static void WriteOctal(byte[] h, int offset, int length, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(digits).CopyTo(h, offset);
        h[offset + length - 1] = 0;
    }

    private static void AppendPaxRecord(StringBuilder sb, string key, string value)
    {
        // A record is "<len> <key>=<value>\n" where <len> counts its own digits.
        var body = $" {key}={value}\n";
        var bodyLength = Encoding.UTF8.GetByteCount(body);
        var length = bodyLength + 1;
        while (length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + bodyLength != length) length++;
        sb.Append(length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(body);
    }

    private static string AsciiFallback(string name)
    {
        var ascii = new string(name.Select(c => c < 0x80 ? c : '_').ToArray());
        return ascii.Length <= 100 ? ascii : ascii[^100..];
    }

    private void WritePadding(long size)
    {
        var pad = (int)((BlockSize - size % BlockSize) % BlockSize);
        if (pad > 0) output.Write(new byte[pad]);
    }
}
