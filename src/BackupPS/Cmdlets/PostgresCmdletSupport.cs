using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;

namespace BackupPS.Cmdlets;

/// <summary>The PowerShell boundary of PostgreSQL support: a PSCredential becomes a user name and UTF-8 password bytes here, nowhere else.</summary>
internal static class PostgresCmdletSupport
{
    public static (string? User, byte[]? Password) FromCredential(PSCredential? credential)
    {
        if (credential is null || credential == PSCredential.Empty) return (null, null);
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(credential.Password);
        try
        {
            var chars = new char[credential.Password.Length];
            Marshal.Copy(ptr, chars, 0, chars.Length);
            var bytes = Encoding.UTF8.GetBytes(chars);
            Array.Clear(chars);
            return (credential.UserName.TrimStart('\\'), bytes);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}
