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
/// -CertificatePassword (for password-protected .pfx/.p12 files) is likewise read only here, into a char buffer that is
/// zeroed as soon as the certificates are loaded.
/// </summary>
internal static class KeyParameters
{
    public static KeyRing? Build(SecureString? passphrase, string? passphraseFile, object[]? certificates, bool needPrivateKey, Func<string, string> resolvePath,
        SecureString? certificatePassword = null)
    {
        if (certificatePassword is not null && (certificates is null || certificates.Length == 0))
            throw new BackupException("CertificatePasswordWithoutCertificate", BackupErrorKind.InvalidArgument,
                "-CertificatePassword opens a password-protected .pfx/.p12 file given with -Certificate; give -Certificate too.");
        if (passphrase is not null && passphraseFile is not null)
            throw new BackupException("PassphraseSourceConflict", BackupErrorKind.InvalidArgument, "Give -Passphrase or -PassphraseFile, not both.");
        byte[]? secret = passphrase is not null ? FromSecureString(passphrase)
            : passphraseFile is not null ? KeySources.ReadPassphraseFile(resolvePath(passphraseFile))
            : KeySources.PassphraseFromEnvironment();
        List<X509Certificate2> certs;
        var pfxPassword = certificatePassword is null ? null : ToChars(certificatePassword);
        try { certs = (certificates ?? []).Select(c => ToCertificate(c, needPrivateKey, resolvePath, pfxPassword)).ToList(); }
        catch
        {
            if (secret is not null) Array.Clear(secret);
            throw;
        }
        finally
        {
            if (pfxPassword is not null) Array.Clear(pfxPassword);
        }
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

    private static char[] ToChars(SecureString value)
    {
        var chars = new char[value.Length];
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(value);
        try { Marshal.Copy(pointer, chars, 0, chars.Length); }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(pointer); }
        return chars;
    }

    private static X509Certificate2 ToCertificate(object? value, bool needPrivateKey, Func<string, string> resolvePath, char[]? pfxPassword)
    {
        var item = value is PSObject ps ? ps.BaseObject : value;
        switch (item)
        {
            case X509Certificate2 certificate:
                return KeySources.EnsureRsa(certificate);
            case FileInfo file:
                return KeySources.LoadCertificate(file.FullName, needPrivateKey, pfxPassword);
            case string text when text.Length == 40 && text.All(Uri.IsHexDigit) && !File.Exists(resolvePath(text)):
                return KeySources.LoadCertificate(text, needPrivateKey, pfxPassword);
            case string text when text.Length > 0:
                return KeySources.LoadCertificate(resolvePath(text), needPrivateKey, pfxPassword);
            default:
                throw new BackupException("CertificateNotRecognised", BackupErrorKind.InvalidArgument,
                    $"-Certificate takes an X509Certificate2, a certificate file's path or a thumbprint, not '{item?.GetType().Name ?? "null"}'.");
        }
    }
}
