using System.Diagnostics;

namespace BackupPS.Engine.Operations;

/// <summary>Counts bytes of one step and reports them at most every 250 ms, so progress costs nothing on the hot path.</summary>
internal sealed class ProgressMeter(OperationContext context, string activity, long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _done;
    private long _lastReportMs = -1000;

    public string Status { get; set; } = "";

    public void Add(long bytes)
    {
        _done += bytes;
        var now = _clock.ElapsedMilliseconds;
        if (now - _lastReportMs < 250) return;
        _lastReportMs = now;
        context.ThrowIfCancelled();
        var rate = now > 0 ? _done / 1048576.0 / (now / 1000.0) : 0;
        context.Report(new OperationProgress(activity, $"{Status} {_done / 1048576.0:0.0} of {total / 1048576.0:0.0} MiB ({rate:0} MiB/s)".Trim(), _done, total));
    }
}
