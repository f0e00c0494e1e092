using System.Security.Cryptography.X509Certificates;

namespace BackupPS.Engine.Encryption;

/// <summary>Where passphrases and certificates come from: a passphrase file, the environment, a certificate file or store.</summary>
public static class KeySources
{
    public const string PassphraseVariable = "BACKUPPS_PASSPHRASE";

    /// <summary>
    /// The first line of <paramref name="path"/> as UTF-8 bytes (no string is made of it). On Unix the file must not be
    /// readable or writable by group or others, as with ssh keys: a passphrase others can read protects nothing.
    /// </summary>
    public static byte[] ReadPassphraseFile(string path)
    {
        if (!File.Exists(path))
            throw new BackupException("PassphraseFileNotFound", BackupErrorKind.InvalidArgument, $"The passphrase file '{path}' does not exist.", path);
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & open) != 0)
                throw new BackupException("PassphraseFileInsecure", BackupErrorKind.InvalidArgument,
                    $"The passphrase file '{path}' can be read or written by other users (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}). Make it private: chmod 600 '{path}'.", path);
        }
        byte[] all;
        try { all = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException("PassphraseFileNotReadable", BackupErrorKind.InvalidArgument, $"Cannot read the passphrase file '{path}': {ex.Message}", path, ex);
        }
        try
        {
            var start = all.Length >= 3 && all[0] == 0xEF && all[1] == 0xBB && all[2] == 0xBF ? 3 : 0; // UTF-8 byte order mark
            var end = Array.IndexOf(all, (byte)'\n', start);
            if (end < 0) end = all.Length;
            if (end > start && all[end - 1] == '\r') end--;
            if (end == start)
                throw new BackupException("PassphraseEmpty", BackupErrorKind.InvalidArgument, $"The first line of the passphrase file '{path}' is empty.", path);
            return all[start..end];
        }
        finally
        {
            Array.Clear(all);
        }
    }

    /// <summary>BACKUPPS_PASSPHRASE as UTF-8 bytes, or null when it is not set or empty.</summary>
    public static byte[]? PassphraseFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(PassphraseVariable);
        return string.IsNullOrEmpty(value) ? null : System.Text.Encoding.UTF8.GetBytes(value);
    }

    /// <summary>
    /// A certificate from a file (.cer/.crt/.der/.pem: public; .pfx/.p12, or a .pem holding the key: private) or a
    /// thumbprint in the CurrentUser\My store. <paramref name="pfxPassword"/> opens a password-protected .pfx/.p12; it is
    /// read as characters only (no string is made of it) and the caller zeroes it.
    /// </summary>
    public static X509Certificate2 LoadCertificate(string pathOrThumbprint, bool needPrivateKey, char[]? pfxPassword = null)
    {
        X509Certificate2 certificate;
        if (File.Exists(pathOrThumbprint)) certificate = LoadFile(pathOrThumbprint, needPrivateKey, pfxPassword);
        else if (IsThumbprint(pathOrThumbprint)) certificate = FromStore(pathOrThumbprint);
        else
            throw new BackupException("CertificateNotFound", BackupErrorKind.InvalidArgument,
                $"-Certificate '{pathOrThumbprint}' is neither a certificate file nor a thumbprint (40 hex digits).", pathOrThumbprint);
        return EnsureRsa(certificate);
    }

    /// <summary>BackupPS encrypts for RSA keys only; any other certificate is refused before anything is written.</summary>
    public static X509Certificate2 EnsureRsa(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        return rsa is null ? throw KeyWrap.NotRsa(certificate) : certificate;
    }

    private static bool IsThumbprint(string value) => value.Length == 40 && value.All(Uri.IsHexDigit);

    private static X509Certificate2 LoadFile(string path, bool needPrivateKey, char[]? pfxPassword)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            if (extension is ".pfx" or ".p12")
#pragma warning disable SYSLIB0057 // X509CertificateLoader is .NET 9+; the engine targets net8.0
                return pfxPassword is null
                    ? new X509Certificate2(path, (string?)null, X509KeyStorageFlags.EphemeralKeySet)
                    : new X509Certificate2(File.ReadAllBytes(path), pfxPassword.AsSpan(), X509KeyStorageFlags.EphemeralKeySet);
            var text = File.ReadAllText(path);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                if (needPrivateKey && text.Contains("PRIVATE KEY-----", StringComparison.Ordinal)) return X509Certificate2.CreateFromPemFile(path);
                return X509Certificate2.CreateFromPem(text);
            }
            return new X509Certificate2(path);
#pragma warning restore SYSLIB0057
        }
        catch (System.Security.Cryptography.CryptographicException ex) when (extension is ".pfx" or ".p12")
        {
            var hint = pfxPassword is null
                ? " If the file is protected by a password, give it with -CertificatePassword (Test-DbBackup, Restore-DbBackup); New-DbBackup needs only the public certificate (.cer/.pem)."
                : " Check -CertificatePassword.";
            throw new BackupException("CertificateNotReadable", BackupErrorKind.InvalidArgument, $"'{path}' cannot be opened: {ex.Message}{hint}", path, ex);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new BackupException("CertificateNotReadable", BackupErrorKind.InvalidArgument, $"'{path}' is not a certificate BackupPS can read: {ex.Message}", path, ex);
        }
    }

    private static X509Certificate2 FromStore(string thumbprint)
    {
        try
        {
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
            if (found.Count > 0) return found[0];
        }
        catch (System.Security.Cryptography.CryptographicException) { }
        throw new BackupException("CertificateNotFound", BackupErrorKind.InvalidArgument,
            $"No certificate with thumbprint {thumbprint} is in the CurrentUser\\My store. Give the certificate's file instead.", thumbprint);
    }
}
