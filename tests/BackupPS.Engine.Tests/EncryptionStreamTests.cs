using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Test keys: a passphrase ring, and self-signed RSA certificates made in the test.</summary>
public static class TestKeys
{
    /// <summary>PBKDF2 at 600,000 iterations costs ~0.25 s per backup; the engine tests use fewer (the count is in the header).</summary>
    [ModuleInitializer]
    internal static void FastKdf() => KeyWrap.Iterations = 10_000;

    public static KeyRing Pass(string passphrase) => new(Encoding.UTF8.GetBytes(passphrase));

    public static X509Certificate2 Certificate(string name, int bits = 2048)
    {
        using var rsa = RSA.Create(bits);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>The same certificate without its private key, as a backup machine would hold it.</summary>
    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) =>
#pragma warning disable SYSLIB0057
        new(certificate.Export(X509ContentType.Cert));
#pragma warning restore SYSLIB0057
}

/// <summary>The chunked AES-256-GCM stream: round trips, and every kind of tampering detected as damage, distinct from a wrong key.</summary>
public sealed class EncryptionStreamTests
{
    private const int Chunk = 1024;

    private static byte[] Encrypt(byte[] plain, KeyRing keys, int chunk = Chunk, int writeSize = 700)
    {
        var output = new MemoryStream();
        using (var encrypting = EncryptingStream.Create(output, keys, chunk))
        {
            for (var i = 0; i < plain.Length; i += writeSize) encrypting.Write(plain, i, Math.Min(writeSize, plain.Length - i));
            encrypting.Finish();
        }
        return output.ToArray();
    }

    private static byte[] Decrypt(byte[] file, KeyRing? keys)
    {
        using var decrypting = DecryptingStream.Open(new MemoryStream(file), keys, "test");
        var plain = new MemoryStream();
        decrypting.CopyTo(plain, 333);
        return plain.ToArray();
    }

    private static int HeaderLength(byte[] file) => EncryptedHeader.Read(new MemoryStream(file)).Length;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk)]
    [InlineData(10 * Chunk + 517)]
    public void Round_trips_any_length_with_a_passphrase(int length)
    {
        using var keys = TestKeys.Pass("correct horse battery staple");
        var plain = Bytes.Random(length, length);
        var file = Encrypt(plain, keys);
        var chunks = Math.Max(1, (length + Chunk - 1) / Chunk);
        Assert.Equal(HeaderLength(file) + length + 16 * chunks, file.Length); // one tag per chunk, the last chunk final even when full
        Assert.Equal(plain, Decrypt(file, keys));
        if (length >= 64) Assert.DoesNotContain(Convert.ToHexString(plain[..32]), Convert.ToHexString(file));
    }

    [Fact]
    public void The_default_chunk_size_and_iterations_are_in_the_header()
    {
        Assert.Equal(600_000, EncryptedHeader.DefaultIterations);
        using var keys = TestKeys.Pass("p");
        var file = Encrypt(Bytes.Random(5000), keys, chunk: EncryptedHeader.DefaultChunkSize);
        var header = EncryptedHeader.Read(new MemoryStream(file));
        Assert.Equal(1 << 20, header.ChunkSize);
        Assert.Equal(KeyWrap.Iterations, Assert.IsType<PassphraseSlot>(Assert.Single(header.Slots)).Iterations);
        Assert.Equal("BPSENC"u8.ToArray(), file[..6]);
    }

    [Fact]
    public void Same_plaintext_and_passphrase_encrypt_differently()
    {
        using var keys = TestKeys.Pass("p");
        var plain = Bytes.Random(4000);
        Assert.NotEqual(Encrypt(plain, keys), Encrypt(plain, keys));
    }

    [Fact]
    public void A_wrong_passphrase_is_WrongPassphrase_not_damage()
    {
        using var keys = TestKeys.Pass("right");
        using var wrong = TestKeys.Pass("wrong");
        var file = Encrypt(Bytes.Random(5000), keys);
        var ex = Assert.Throws<BackupException>(() => Decrypt(file, wrong));
        Assert.Equal("WrongPassphrase", ex.ErrorId);
        Assert.Equal(BackupErrorKind.Security, ex.Kind);
    }

    [Fact]
    public void No_key_is_EncryptionKeyRequired()
    {
        using var keys = TestKeys.Pass("right");
        var file = Encrypt(Bytes.Random(100), keys);
        Assert.Equal("EncryptionKeyRequired", Assert.Throws<BackupException>(() => Decrypt(file, null)).ErrorId);
    }

    [Fact]
    public void Truncation_at_every_chunk_boundary_is_detected()
    {
        using var keys = TestKeys.Pass("p");
        var file = Encrypt(Bytes.Random(5 * Chunk + 100), keys);
        var header = HeaderLength(file);
        for (var chunks = 0; chunks <= 5; chunks++)
        {
            var cut = file[..(header + chunks * (Chunk + 16))];
            Assert.Throws<InvalidDataException>(() => Decrypt(cut, keys));
        }
        foreach (var cut in new[] { file.Length - 1, file.Length - 16, header + 10, header - 1, 7 })
            Assert.Throws<InvalidDataException>(() => Decrypt(file[..cut], keys));
    }

    [Fact]
    public void An_exact_multiple_of_the_chunk_size_cut_at_its_last_boundary_is_detected()
    {
        using var keys = TestKeys.Pass("p");
        var file = Encrypt(Bytes.Random(4 * Chunk), keys);
        Assert.Throws<InvalidDataException>(() => Decrypt(file[..(file.Length - (Chunk + 16))], keys));
    }

    [Fact]
    public void Swapped_reordered_duplicated_or_foreign_chunks_are_detected()
    {
        using var keys = TestKeys.Pass("p");
        var file = Encrypt(Bytes.Random(4 * Chunk + 10), keys);
        var h = HeaderLength(file);
        var frame = Chunk + 16;
        byte[] Chunk_(byte[] f, int i) => f.AsSpan(h + i * frame, Math.Min(frame, f.Length - h - i * frame)).ToArray();

        var swapped = (byte[])file.Clone();
        Chunk_(file, 2).CopyTo(swapped, h + frame);
        Chunk_(file, 1).CopyTo(swapped, h + 2 * frame);
        Assert.Throws<InvalidDataException>(() => Decrypt(swapped, keys));

        var duplicated = (byte[])file.Clone();
        Chunk_(file, 0).CopyTo(duplicated, h + frame);
        Assert.Throws<InvalidDataException>(() => Decrypt(duplicated, keys));

        var dropped = file[..(h + frame)].Concat(file[(h + 2 * frame)..]).ToArray(); // chunk 1 removed
        Assert.Throws<InvalidDataException>(() => Decrypt(dropped, keys));

        // Same key and header, another file: a chunk of another backup never fits (the data key differs per backup).
        var other = Encrypt(Bytes.Random(4 * Chunk + 10, 99), keys);
        var foreign = (byte[])file.Clone();
        Chunk_(other, 1).CopyTo(foreign, h + frame);
        Assert.Throws<InvalidDataException>(() => Decrypt(foreign, keys));

        var appended = file.Concat(Chunk_(file, 0)).ToArray();
        Assert.Throws<InvalidDataException>(() => Decrypt(appended, keys));
    }

    [Fact]
    public void Every_header_byte_flipped_is_damage_never_a_wrong_passphrase()
    {
        using var keys = TestKeys.Pass("p");
        var file = Encrypt(Bytes.Random(2000), keys);
        var h = HeaderLength(file);
        for (var i = 0; i < h; i++)
        {
            var copy = (byte[])file.Clone();
            copy[i] ^= 0x01;
            Assert.Throws<InvalidDataException>(() => Decrypt(copy, keys));
        }
    }

    [Fact]
    public void A_header_rewritten_with_a_matching_checksum_fails_every_chunk()
    {
        // An attacker can recompute the unkeyed header checksum, e.g. to swap a recipient's slot for another;
        // the passphrase slot still opens, but every chunk's AAD binds the original header.
        using var alice = TestKeys.Certificate("alice");
        using var mallory = TestKeys.Certificate("mallory");
        using var keys = new KeyRing(Encoding.UTF8.GetBytes("p"), [TestKeys.PublicOnly(alice)]);
        var file = Encrypt(Bytes.Random(2000), keys);
        var header = EncryptedHeader.Read(new MemoryStream(file));
        var forged = new EncryptedHeader { ChunkSize = header.ChunkSize, NoncePrefix = header.NoncePrefix };
        forged.Slots.Add(header.Slots[0]);
        using (var rsa = mallory.GetRSAPublicKey()!)
            forged.Slots.Add(new RsaSlot(RsaSlot.KeyIdOf(mallory), rsa.Encrypt(new byte[32], RSAEncryptionPadding.OaepSHA256)));
        var tampered = forged.ToBytes().Concat(file[header.Length..]).ToArray();
        using var pass = TestKeys.Pass("p");
        var ex = Assert.Throws<InvalidDataException>(() => Decrypt(tampered, pass));
        Assert.Contains("chunk 0", ex.Message);
    }

    [Fact]
    public void A_flipped_ciphertext_or_tag_byte_is_damage()
    {
        using var keys = TestKeys.Pass("p");
        var file = Encrypt(Bytes.Random(3 * Chunk), keys);
        var h = HeaderLength(file);
        var random = new Random(5);
        for (var n = 0; n < 50; n++)
        {
            var copy = (byte[])file.Clone();
            copy[random.Next(h, copy.Length)] ^= (byte)(1 << random.Next(8));
            Assert.Throws<InvalidDataException>(() => Decrypt(copy, keys));
        }
    }

    [Fact]
    public void Several_certificate_recipients_each_decrypt_with_their_private_key()
    {
        using var alice = TestKeys.Certificate("alice");
        using var bob = TestKeys.Certificate("bob", 3072);
        using var mallory = TestKeys.Certificate("mallory");
        var plain = Bytes.Random(3000);
        using var recipients = new KeyRing(null, [TestKeys.PublicOnly(alice), TestKeys.PublicOnly(bob)]);
        var file = Encrypt(plain, recipients);
        Assert.Equal(2, EncryptedHeader.Read(new MemoryStream(file)).Slots.OfType<RsaSlot>().Count());
        using (var a = new KeyRing(null, [alice])) Assert.Equal(plain, Decrypt(file, a));
        using (var b = new KeyRing(null, [bob])) Assert.Equal(plain, Decrypt(file, b));
        using (var m = new KeyRing(null, [mallory])) Assert.Equal("NotARecipient", Assert.Throws<BackupException>(() => Decrypt(file, m)).ErrorId);
        using (var p = new KeyRing(null, [TestKeys.PublicOnly(alice)]))
            Assert.Equal("CertificatePrivateKeyRequired", Assert.Throws<BackupException>(() => Decrypt(file, p)).ErrorId);
        using (var pass = TestKeys.Pass("x")) Assert.Equal("NotARecipient", Assert.Throws<BackupException>(() => Decrypt(file, pass)).ErrorId);
    }

    [Fact]
    public void A_passphrase_and_a_certificate_each_open_the_same_file()
    {
        using var alice = TestKeys.Certificate("alice");
        var plain = Bytes.Random(3000);
        using var both = new KeyRing(Encoding.UTF8.GetBytes("pp"), [TestKeys.PublicOnly(alice)]);
        var file = Encrypt(plain, both);
        using (var p = TestKeys.Pass("pp")) Assert.Equal(plain, Decrypt(file, p));
        using (var a = new KeyRing(null, [alice])) Assert.Equal(plain, Decrypt(file, a));
        using (var wrongPlusCert = new KeyRing(Encoding.UTF8.GetBytes("nope"), [alice])) Assert.Equal(plain, Decrypt(file, wrongPlusCert));
    }

    [Fact]
    public void A_non_RSA_certificate_is_refused()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=ec", ec, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal("CertificateNotRsa", Assert.Throws<BackupException>(() => KeySources.EnsureRsa(cert)).ErrorId);
    }

    [Fact]
    public void The_key_ring_zeroes_its_passphrase_on_dispose()
    {
        var secret = Encoding.UTF8.GetBytes("zero me");
        var keys = new KeyRing(secret);
        keys.Dispose();
        Assert.All(secret, b => Assert.Equal(0, b));
        Assert.True(keys.IsEmpty);
    }
}
