using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using BackupPS.Engine;
using BackupPS.Engine.Encryption;

namespace BackupPS.Cmdlets;

/// <summary>
/// Turns -Passphrase, -PassphraseFile, BACKUPPS_PASSPHRASE and -Certificate into a key ring. The SecureString is read
/// only here, into a char buffer that is zeroed at once; the ring's UTF-8 bytes are zeroed when the ring is disposed.
/// </summary>
internal static class KeyParameters
{
    public static KeyRing? Build(SecureString? passphrase, string? passphraseFile, object[]? certificates, bool needPrivateKey, Func<string, string> resolvePath)
    {
        if (passphrase is not null && passphraseFile is not null)
            throw new BackupException("PassphraseSourceConflict", BackupErrorKind.InvalidArgument, "Give -Passphrase or -PassphraseFile, not both.");
        byte[]? secret = passphrase is not null ? FromSecureString(passphrase)
            : passphraseFile is not null ? KeySources.ReadPassphraseFile(resolvePath(passphraseFile))
            : KeySources.PassphraseFromEnvironment();
        var certs = (certificates ?? []).Select(c => ToCertificate(c, needPrivateKey, resolvePath)).ToList();
        if (secret is null && certs.Count == 0) return null;
        return new KeyRing(secret, certs);
    }

    private static byte[] FromSecureString(SecureString value)
    {
        if (value.Length == 0) throw new BackupException("PassphraseEmpty", BackupErrorKind.InvalidArgument, "The passphrase is empty. Give a non-empty passphrase.");
        var chars = new char[value.Length];
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(value);
        try
        {
            Marshal.Copy(pointer, chars, 0, chars.Length);
            return System.Text.Encoding.UTF8.GetBytes(chars);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            Array.Clear(chars);
        }
    }

    private static X509Certificate2 ToCertificate(object? value, bool needPrivateKey, Func<string, string> resolvePath)
    {
        var item = value is PSObject ps ? ps.BaseObject : value;
        switch (item)
        {
            case X509Certificate2 certificate:
                return KeySources.EnsureRsa(certificate);
            case FileInfo file:
                return KeySources.LoadCertificate(file.FullName, needPrivateKey);
            case string text when text.Length == 40 && text.All(Uri.IsHexDigit) && !File.Exists(resolvePath(text)):
                return KeySources.LoadCertificate(text, needPrivateKey);
            case string text when text.Length > 0:
                return KeySources.LoadCertificate(resolvePath(text), needPrivateKey);
            default:
                throw new BackupException("CertificateNotRecognised", BackupErrorKind.InvalidArgument,
                    $"-Certificate takes an X509Certificate2, a certificate file's path or a thumbprint, not '{item?.GetType().Name ?? "null"}'.");
        }
    }
}
