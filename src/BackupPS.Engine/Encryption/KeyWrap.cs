using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BackupPS.Engine.Encryption;

/// <summary>Wraps a fresh data key for every recipient of a key ring, and unwraps it again with whatever key the ring holds.</summary>
internal static class KeyWrap
{
    /// <summary>Iterations for new backups; tests lower it to stay fast (the count is stored in the header, so any count reads back).</summary>
    internal static int Iterations { get; set; } = EncryptedHeader.DefaultIterations;

    public static (EncryptedHeader Header, byte[] DataKey) NewHeader(KeyRing keys, int chunkSize = EncryptedHeader.DefaultChunkSize)
    {
        if (keys.IsEmpty) throw new ArgumentException("A key ring with a passphrase or a certificate is required.", nameof(keys));
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var header = new EncryptedHeader { ChunkSize = chunkSize, NoncePrefix = RandomNumberGenerator.GetBytes(8) };
        var slotCount = (keys.HasPassphrase ? 1 : 0) + keys.Certificates.Count;
        if (slotCount > EncryptedHeader.MaxSlots) throw new BackupException("TooManyRecipients", BackupErrorKind.InvalidArgument, $"At most {EncryptedHeader.MaxSlots - 1} certificates can be recipients of one backup.");
        if (keys.HasPassphrase)
        {
            var salt = RandomNumberGenerator.GetBytes(16);
            var nonce = RandomNumberGenerator.GetBytes(12);
            var wrapped = new byte[48];
            var kek = keys.DeriveKek(salt, Iterations);
            using var aes = new AesGcm(kek, EncryptedHeader.TagSize);
            aes.Encrypt(nonce, dataKey, wrapped.AsSpan(0, 32), wrapped.AsSpan(32, 16), header.FixedPart(slotCount));
            header.Slots.Add(new PassphraseSlot(Iterations, salt, nonce, wrapped));
        }
        foreach (var certificate in keys.Certificates)
        {
            using var rsa = certificate.GetRSAPublicKey() ?? throw NotRsa(certificate);
            header.Slots.Add(new RsaSlot(RsaSlot.KeyIdOf(certificate), rsa.Encrypt(dataKey, RSAEncryptionPadding.OaepSHA256)));
        }
        return (header, dataKey);
    }

    /// <summary>
    /// The data key, from the first slot the ring opens. A passphrase slot whose tag fails means a wrong passphrase (the
    /// header checksum already proved the slot is as written); no slot for any given certificate means not a recipient.
    /// </summary>
    public static byte[] OpenDataKey(EncryptedHeader header, KeyRing? keys, string path)
    {
        var kinds = header.DescribeSlots();
        if (keys is null || keys.IsEmpty)
            throw new BackupException("EncryptionKeyRequired", BackupErrorKind.Security,
                $"The backup '{path}' is encrypted (key slots: {kinds}). Give -Passphrase, -PassphraseFile or the BACKUPPS_PASSPHRASE environment variable, or -Certificate with a recipient's private key.", path);
        var passphraseSlots = header.Slots.OfType<PassphraseSlot>().ToList();
        if (keys.HasPassphrase)
        {
            foreach (var slot in passphraseSlots)
            {
                var kek = keys.DeriveKek(slot.Salt, slot.Iterations);
                var dataKey = new byte[32];
                try
                {
                    using var aes = new AesGcm(kek, EncryptedHeader.TagSize);
                    aes.Decrypt(slot.Nonce, slot.Wrapped.AsSpan(0, 32), slot.Wrapped.AsSpan(32, 16), dataKey, header.FixedPart(header.Slots.Count));
                    return dataKey;
                }
                catch (AuthenticationTagMismatchException) { }
            }
        }
        var rsaSlots = header.Slots.OfType<RsaSlot>().ToList();
        var withoutPrivateKey = new List<string>();
        foreach (var certificate in keys.Certificates)
        {
            var keyId = RsaSlot.KeyIdOf(certificate);
            var slot = rsaSlots.FirstOrDefault(s => CryptographicOperations.FixedTimeEquals(s.KeyId, keyId));
            if (slot is null) continue;
            using var rsa = certificate.GetRSAPrivateKey();
            if (rsa is null) { withoutPrivateKey.Add(certificate.Subject); continue; }
            try
            {
                var dataKey = rsa.Decrypt(slot.Wrapped, RSAEncryptionPadding.OaepSHA256);
                if (dataKey.Length == 32) return dataKey;
            }
            catch (CryptographicException) { }
        }
        if (withoutPrivateKey.Count > 0)
            throw new BackupException("CertificatePrivateKeyRequired", BackupErrorKind.Security,
                $"The backup '{path}' is encrypted for {string.Join(", ", withoutPrivateKey)}, but the certificate given has no private key. Give the certificate with its private key (.pfx, or a .pem holding the key).", path);
        if (keys.HasPassphrase && passphraseSlots.Count > 0)
            throw new BackupException("WrongPassphrase", BackupErrorKind.Security,
                $"The passphrase does not open the backup '{path}' (the key check failed; the header is intact, so the passphrase is wrong, not the file). Key slots: {kinds}.", path);
        throw new BackupException("NotARecipient", BackupErrorKind.Security,
            $"None of the keys given opens the backup '{path}': it is encrypted for {kinds}.", path);
    }

    public static BackupException NotRsa(X509Certificate2 certificate) =>
        new("CertificateNotRsa", BackupErrorKind.InvalidArgument,
            $"The certificate '{certificate.Subject}' ({certificate.Thumbprint}) does not have an RSA key; BackupPS encrypts for RSA certificates only.", certificate.Thumbprint);
}
