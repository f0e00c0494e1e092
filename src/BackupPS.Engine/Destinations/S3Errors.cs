using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// S3 failures as BackupPS errors with stable ids, each naming the bucket and key; and which failures are transient
/// (timeouts, 5xx, throttling: retried with backoff) and which permanent (403, no such bucket: reported at once).
/// Messages never carry credentials.
/// </summary>
internal static class S3Errors
{
    /// <summary>How often a body that broke off is read again (the SDK's own retries cover only the request).</summary>
    public const int BodyReadAttempts = 6;

    /// <summary>Exponential backoff before attempt + 1: 0.4 s, 0.8 s, 1.6 s, ...</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(200 * (1 << Math.Min(attempt, 8)));

    public static bool IsTransient(Exception ex) => ex switch
    {
        AmazonServiceException s => ((int)s.StatusCode >= 500 && s.StatusCode != HttpStatusCode.NotImplemented) || s.StatusCode == (HttpStatusCode)429
                                    || s.ErrorCode is "SlowDown" or "Throttling" or "ThrottlingException" or "RequestTimeout" or "InternalError" or "ServiceUnavailable"
                                    || (s.StatusCode == 0 && s.InnerException is not null && IsTransient(s.InnerException)),
        HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        TaskCanceledException t => t.InnerException is TimeoutException || !t.CancellationToken.IsCancellationRequested,
        AmazonClientException c => c.InnerException is not null && IsTransient(c.InnerException),
        _ => false,
    };

    public static Exception Map(Exception ex, string bucket, string? key, CancellationToken cancellation)
    {
        if (ex is BackupException) return ex;
        if (ex is OperationCanceledException && cancellation.IsCancellationRequested)
            return new BackupException("OperationStopped", BackupErrorKind.OperationStopped, "The operation was stopped; nothing unfinished was kept.", null, ex);
        var where = key is null ? $"s3://{bucket}" : $"s3://{bucket}/{key}";
        switch (ex)
        {
            case AmazonServiceException s when s.ErrorCode is "NoSuchBucket":
                return new BackupException("S3BucketNotFound", BackupErrorKind.NotFound,
                    $"The S3 bucket '{bucket}' does not exist (reading {where}). Check the bucket name, -S3Endpoint and -S3Region.", where, ex);
            case AmazonServiceException s when s.ErrorCode is "NoSuchKey" || (s.StatusCode == HttpStatusCode.NotFound && key is not null):
                return new BackupException("BackupNotFound", BackupErrorKind.NotFound, $"'{where}' does not exist.", where, ex);
            case AmazonServiceException s when s.StatusCode == HttpStatusCode.NotFound:
                return new BackupException("S3BucketNotFound", BackupErrorKind.NotFound,
                    $"The S3 bucket '{bucket}' does not exist. Check the bucket name, -S3Endpoint and -S3Region.", where, ex);
            case AmazonServiceException s when s.StatusCode == HttpStatusCode.Forbidden || s.ErrorCode is "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AllAccessDisabled":
                return new BackupException("S3AccessDenied", BackupErrorKind.PermissionDenied,
                    $"S3 denied access to {where} ({s.ErrorCode ?? ((int)s.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}: {s.Message}). Check the credentials (-S3Credential, -S3Profile or the AWS environment) and the bucket's policy.", where, ex);
            case AmazonServiceException s when s.StatusCode == HttpStatusCode.MovedPermanently || s.ErrorCode is "PermanentRedirect" or "AuthorizationHeaderMalformed":
                return new BackupException("S3WrongRegion", BackupErrorKind.InvalidArgument,
                    $"The S3 bucket '{bucket}' is in another region ({s.Message}). Give its region with -S3Region.", where, ex);
            case AmazonClientException c when c.Message.Contains("credential", StringComparison.OrdinalIgnoreCase):
                return CredentialsMissing(bucket, c);
            case AmazonServiceException s when !IsTransient(s):
                return new BackupException("S3RequestFailed", BackupErrorKind.WriteError,
                    $"S3 refused a request on {where} ({s.ErrorCode ?? ((int)s.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}: {s.Message}).", where, ex);
            default:
                return new BackupException("S3Unreachable", BackupErrorKind.ResourceUnavailable,
                    $"Cannot reach S3 for {where} after retries ({Innermost(ex).Message}). Check -S3Endpoint, the network and the service's status.", where, ex);
        }
    }

    public static BackupException CredentialsMissing(string bucket, Exception? inner, string? detail = null) =>
        new("S3CredentialsMissing", BackupErrorKind.InvalidArgument,
            $"No S3 credentials for s3://{bucket}{(detail is null ? "" : $" ({detail})")}. Give -S3Credential (access key as user name, secret key as password) or -S3Profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
            $"s3://{bucket}", inner);

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null && ex is not HttpRequestException) ex = ex.InnerException;
        return ex;
    }
}
