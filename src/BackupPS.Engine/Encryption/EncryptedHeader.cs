using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BackupPS.Engine.Encryption;

/// <summary>One key slot: the data key wrapped for one passphrase or one certificate's public key.</summary>
internal abstract record KeySlot
{
    public abstract byte Type { get; }
    public abstract byte[] Body();
}

/// <summary>Type 1: AES-256-GCM(KEK = PBKDF2-HMAC-SHA256(passphrase, salt, iterations)) of the data key, AAD = the header's fixed part.</summary>
internal sealed record PassphraseSlot(int Iterations, byte[] Salt, byte[] Nonce, byte[] Wrapped) : KeySlot
{
    public const byte TypeId = 1;
    public const byte KdfPbkdf2Sha256 = 1;
    public override byte Type => TypeId;

    public override byte[] Body()
    {
        var body = new byte[1 + 4 + 16 + 12 + 48];
        body[0] = KdfPbkdf2Sha256;
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(1), (uint)Iterations);
        Salt.CopyTo(body, 5);
        Nonce.CopyTo(body, 21);
        Wrapped.CopyTo(body, 33);
        return body;
    }

    public static PassphraseSlot Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length != 81 || body[0] != KdfPbkdf2Sha256) throw new InvalidDataException("its passphrase key slot is malformed or uses an unknown KDF.");
        var iterations = BinaryPrimitives.ReadUInt32LittleEndian(body[1..]);
        if (iterations is < 1000 or > 100_000_000) throw new InvalidDataException($"its passphrase key slot states an implausible iteration count ({iterations}).");
        return new PassphraseSlot((int)iterations, body.Slice(5, 16).ToArray(), body.Slice(21, 12).ToArray(), body.Slice(33, 48).ToArray());
    }
}

/// <summary>Type 2: RSA-OAEP-SHA256 of the data key for the certificate whose SubjectPublicKeyInfo has SHA-256 <see cref="KeyId"/>.</summary>
internal sealed record RsaSlot(byte[] KeyId, byte[] Wrapped) : KeySlot
{
    public const byte TypeId = 2;
    public override byte Type => TypeId;

    public override byte[] Body()
    {
        var body = new byte[32 + 2 + Wrapped.Length];
        KeyId.CopyTo(body, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(32), (ushort)Wrapped.Length);
        Wrapped.CopyTo(body, 34);
        return body;
    }

    public static RsaSlot Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length < 34) throw new InvalidDataException("its certificate key slot is malformed.");
        var length = BinaryPrimitives.ReadUInt16LittleEndian(body[32..]);
        if (body.Length != 34 + length) throw new InvalidDataException("its certificate key slot is malformed.");
        return new RsaSlot(body[..32].ToArray(), body[34..].ToArray());
    }

    public static byte[] KeyIdOf(X509Certificate2 certificate) => SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo());
}

/// <summary>
/// The header of an encrypted backup (docs/format.md, "Encrypted backups"):
/// magic "BPSENC", version, flags, chunk size, nonce prefix, key slots, SHA-256 of all that. The SHA-256 detects
/// accidental damage before any key is tried; it is also bound into every chunk's AAD, which authenticates the header.
/// </summary>
internal sealed class EncryptedHeader
{
    public static ReadOnlySpan<byte> Magic => "BPSENC"u8;
    public const byte Version = 1;
    public const int FixedLength = 22; // magic 6, version 1, flags 1, chunk size 4, nonce prefix 8, slot count 2
    public const int DefaultChunkSize = 1 << 20;
    public const int MaxChunkSize = 16 << 20;
    public const int MaxSlots = 64;
    public const int TagSize = 16;
    public const int DefaultIterations = 600_000;

    public int ChunkSize { get; init; } = DefaultChunkSize;
    public byte[] NoncePrefix { get; init; } = [];
    public List<KeySlot> Slots { get; } = [];
    /// <summary>SHA-256 of the header bytes before it; the first 32 bytes of every chunk's AAD.</summary>
    public byte[] Checksum { get; private set; } = [];
    /// <summary>Header length in bytes, checksum included: where the first chunk starts.</summary>
    public int Length { get; private set; }

    public static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= Magic.Length && head[..Magic.Length].SequenceEqual(Magic);

    /// <summary>magic, version, flags, chunk size, nonce prefix, slot count: the AAD of every passphrase key wrap.</summary>
    public byte[] FixedPart(int slotCount)
    {
        var fixedPart = new byte[FixedLength];
        Magic.CopyTo(fixedPart);
        fixedPart[6] = Version;
        fixedPart[7] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(fixedPart.AsSpan(8), (uint)ChunkSize);
        NoncePrefix.CopyTo(fixedPart, 12);
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart.AsSpan(20), (ushort)slotCount);
        return fixedPart;
    }

    /// <summary>Serialises the header; sets <see cref="Checksum"/> and <see cref="Length"/>.</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        ms.Write(FixedPart(Slots.Count));
        Span<byte> slotHead = stackalloc byte[3];
        foreach (var slot in Slots)
        {
            var body = slot.Body();
            slotHead[0] = slot.Type;
            BinaryPrimitives.WriteUInt16LittleEndian(slotHead[1..], (ushort)body.Length);
            ms.Write(slotHead);
            ms.Write(body);
        }
        Checksum = SHA256.HashData(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        ms.Write(Checksum);
        Length = (int)ms.Length;
        return ms.ToArray();
    }

    /// <summary>Reads and checks a header from the start of <paramref name="input"/>; InvalidDataException if it is damaged or unknown.</summary>
    public static EncryptedHeader Read(Stream input)
    {
        var fixedPart = new byte[FixedLength];
        ReadExactly(input, fixedPart, "its encryption header is truncated.");
        if (!HasMagic(fixedPart)) throw new InvalidDataException("it does not start with the BackupPS encryption header.");
        if (fixedPart[6] != Version)
            throw new InvalidDataException($"its encryption header is version {fixedPart[6]}; this BackupPS reads version {Version}.");
        if (fixedPart[7] != 0) throw new InvalidDataException("its encryption header has unknown flags set.");
        var chunkSize = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart.AsSpan(8));
        if (chunkSize is < 1024 or > MaxChunkSize) throw new InvalidDataException($"its encryption header states an implausible chunk size ({chunkSize}).");
        var slotCount = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart.AsSpan(20));
        if (slotCount is 0 or > MaxSlots) throw new InvalidDataException($"its encryption header states {slotCount} key slots.");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(fixedPart);
        var header = new EncryptedHeader { ChunkSize = (int)chunkSize, NoncePrefix = fixedPart[12..20] };
        var length = FixedLength;
        var slotHead = new byte[3];
        var raw = new List<(byte Type, byte[] Body)>();
        for (var i = 0; i < slotCount; i++)
        {
            ReadExactly(input, slotHead, "its encryption header is truncated.");
            var bodyLength = BinaryPrimitives.ReadUInt16LittleEndian(slotHead.AsSpan(1));
            if (bodyLength > 4096) throw new InvalidDataException("its encryption header has an implausibly large key slot.");
            var body = new byte[bodyLength];
            ReadExactly(input, body, "its encryption header is truncated.");
            hash.AppendData(slotHead);
            hash.AppendData(body);
            length += 3 + bodyLength;
            raw.Add((slotHead[0], body));
        }
        var checksum = new byte[32];
        ReadExactly(input, checksum, "its encryption header is truncated.");
        if (!CryptographicOperations.FixedTimeEquals(checksum, hash.GetHashAndReset()))
            throw new InvalidDataException("its encryption header does not match its checksum: the header is damaged.");
        // Only a header that is as written is interpreted, so a damaged slot is reported as damage, never as a wrong key.
        foreach (var (type, body) in raw)
        {
            header.Slots.Add(type switch
            {
                PassphraseSlot.TypeId => PassphraseSlot.Parse(body),
                RsaSlot.TypeId => RsaSlot.Parse(body),
                _ => throw new InvalidDataException($"its encryption header has a key slot of unknown type {type}."),
            });
        }
        header.Checksum = checksum;
        header.Length = length + 32;
        return header;
    }

    /// <summary>"passphrase (PBKDF2-HMAC-SHA256, 600000 iterations), certificate 3f2a…": what the slots are, without any secret.</summary>
    public string DescribeSlots() => string.Join(", ", Slots.Select(s => s switch
    {
        PassphraseSlot p => $"passphrase (PBKDF2-HMAC-SHA256, {p.Iterations} iterations)",
        RsaSlot r => $"certificate (RSA-OAEP-SHA256, public key SHA-256 {Convert.ToHexString(r.KeyId)[..16].ToLowerInvariant()}…)",
        _ => "unknown",
    }));

    private static void ReadExactly(Stream input, byte[] buffer, string truncated)
    {
        if (input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) != buffer.Length) throw new InvalidDataException(truncated);
    }
}
