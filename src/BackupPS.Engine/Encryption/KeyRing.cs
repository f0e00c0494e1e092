using System.Security.Cryptography.X509Certificates;

namespace BackupPS.Engine.Encryption;

/// <summary>
/// The secrets of one invocation: a passphrase (UTF-8 bytes, zeroed on dispose) and certificates. To encrypt, every one
/// of them becomes a recipient (a certificate's public key is enough); to decrypt, any one that opens a key slot will do
/// (a certificate then needs its private key). Never logged, never serialised.
/// </summary>
public sealed class KeyRing : IDisposable
{
    private byte[]? _passphrase;
    private readonly Dictionary<string, byte[]> _derived = new(StringComparer.Ordinal);

    public KeyRing(byte[]? passphrase, IReadOnlyList<X509Certificate2>? certificates = null)
    {
        if (passphrase is { Length: 0 })
            throw new BackupException("PassphraseEmpty", BackupErrorKind.InvalidArgument, "The passphrase is empty. Give a non-empty passphrase.");
        _passphrase = passphrase;
        Certificates = certificates ?? [];
    }

    /// <summary>The passphrase as UTF-8 bytes, or null. The ring owns the array and zeroes it on dispose.</summary>
    public ReadOnlySpan<byte> Passphrase => _passphrase;
    public bool HasPassphrase => _passphrase is not null;
    public IReadOnlyList<X509Certificate2> Certificates { get; }
    public bool IsEmpty => _passphrase is null && Certificates.Count == 0;

    /// <summary>PBKDF2 is deliberately slow: a restore derives the key-encryption key once per (salt, iterations) and reuses it.</summary>
    internal byte[] DeriveKek(ReadOnlySpan<byte> salt, int iterations)
    {
        var cacheKey = Convert.ToHexString(salt) + ":" + iterations;
        lock (_derived)
        {
            if (!_derived.TryGetValue(cacheKey, out var kek))
            {
                kek = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(Passphrase, salt, iterations, System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
                _derived[cacheKey] = kek;
            }
            return kek;
        }
    }

    public void Dispose()
    {
        if (_passphrase is not null) Array.Clear(_passphrase);
        _passphrase = null;
        lock (_derived)
        {
            foreach (var kek in _derived.Values) Array.Clear(kek);
            _derived.Clear();
        }
    }
}
