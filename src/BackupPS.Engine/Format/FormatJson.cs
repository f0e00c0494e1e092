using System.Text.Json;
using System.Text.Json.Serialization;

namespace BackupPS.Engine.Format;

/// <summary>The one JSON dialect of manifests and sidecars: camelCase, enums as strings, indented, null fields left out.</summary>
internal static class FormatJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException("The JSON document is empty.");
}
