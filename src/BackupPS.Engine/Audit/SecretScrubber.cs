using System.Text.RegularExpressions;

namespace BackupPS.Engine.Audit;

/// <summary>
/// Removes passwords from text that may quote a connection: URL user info (scheme://user:secret@host), key=value
/// connection-string parts (Password=, Pwd=, PGPASSWORD=, passfile is not a secret) and query parameters
/// (?password=...). Applied to every text field of the audit log and of error messages written there.
/// </summary>
public static partial class SecretScrubber
{
    // Bounded quantifiers: linear time on long messages (an unbounded scheme would rescan every letter run).
    [GeneratedRegex(@"(?i)(\b[a-z][a-z0-9+.\-]{0,31}://[^\s:/@'""]{0,256}):[^\s@/'""]{0,1024}@")]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"(?i)\b(password|pwd|pgpassword|passphrase|secret)(\s*=\s*)(""[^""]*""|'[^']*'|[^;&\s'""]*)")]
    private static partial Regex KeyValue();

    public static string? Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        var s = UrlUserInfo().Replace(text, "$1:***@");
        s = KeyValue().Replace(s, "$1$2***");
        return s;
    }
}
