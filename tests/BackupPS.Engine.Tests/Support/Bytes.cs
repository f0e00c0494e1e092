using System.Security.Cryptography;

namespace BackupPS.Engine.Tests.Support;

/// <summary>Deterministic test data and small byte helpers.</summary>
public static class Bytes
{
    /// <summary>Pseudo-random (incompressible) bytes, the same for the same seed.</summary>
    public static byte[] Random(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Compressible text-like bytes, the same for the same seed.</summary>
    public static byte[] Text(int length, int seed = 1)
    {
        var rng = new Random(seed);
        var words = new[] { "alpha ", "beta ", "gamma ", "delta ", "sqlite ", "backup ", "restore ", "\n" };
        var data = new byte[length];
        var i = 0;
        while (i < length)
        {
            foreach (var c in words[rng.Next(words.Length)])
            {
                if (i == length) break;
                data[i++] = (byte)c;
            }
        }
        return data;
    }

    public static string Sha256Hex(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    public static string Sha256HexOfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>Inverts every bit of the byte at <paramref name="offset"/> (negative: from the end).</summary>
    public static void FlipByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset >= 0 ? offset : stream.Length + offset;
        var b = stream.ReadByte();
        stream.Position -= 1;
        stream.WriteByte((byte)~b);
    }

    public static void Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.SetLength(length);
    }

    public static void Append(string path, byte[] data)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        stream.Write(data);
    }
}
