using System.Security.Cryptography;
using System.Text;
using Npgsql;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Sources;

/// <summary>
/// Counts and hashes the large objects of a database (see <see cref="PostgresLargeObjectsInfo"/>): read with lo_get in
/// chunks, so an object of any size is never held whole; the first chunk of every object comes in one query.
/// </summary>
internal static class PostgresLargeObjects
{
    private const int Chunk = 1 << 20;

    public static PostgresLargeObjectsInfo Digest(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken cancel)
    {
        var objects = new List<(uint Oid, IncrementalHash Hash, long Length)>();
        try
        {
            using (var cmd = new NpgsqlCommand($"SELECT oid, lo_get(oid, 0, {Chunk}) FROM pg_largeobject_metadata ORDER BY oid", conn, tx))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    cancel.ThrowIfCancellationRequested();
                    var first = r.GetFieldValue<byte[]>(1);
                    var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    hash.AppendData(first);
                    objects.Add((r.GetFieldValue<uint>(0), hash, first.Length));
                }
            }
            for (var i = 0; i < objects.Count; i++)
            {
                var (oid, hash, length) = objects[i];
                // Only an object whose last chunk was full may go on.
                for (var chunk = length; chunk == Chunk;)
                {
                    cancel.ThrowIfCancellationRequested();
                    using var cmd = new NpgsqlCommand($"SELECT lo_get($1, $2, {Chunk})", conn, tx);
                    cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
                    cmd.Parameters.AddWithValue(length);
                    var more = (byte[])cmd.ExecuteScalar()!;
                    hash.AppendData(more);
                    length += more.Length;
                    chunk = more.Length;
                }
                objects[i] = (oid, hash, length);
            }
            var lines = new StringBuilder();
            foreach (var (oid, hash, _) in objects)
                lines.Append(oid.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant()).Append('\n');
            return new PostgresLargeObjectsInfo
            {
                Count = objects.Count,
                Bytes = objects.Sum(o => o.Length),
                Sha256 = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(lines.ToString()))).ToLowerInvariant(),
            };
        }
        finally
        {
            foreach (var o in objects) o.Hash.Dispose();
        }
    }

    /// <summary>What differs between the large objects the manifest recorded and those of a restored database.</summary>
    public static List<string> Compare(PostgresLargeObjectsInfo expected, PostgresLargeObjectsInfo actual)
    {
        if (actual.Count != expected.Count) return [$"{actual.Count} large objects, the manifest says {expected.Count}"];
        if (actual.Bytes != expected.Bytes || actual.Sha256 != expected.Sha256)
            return [$"the large objects hold {actual.Bytes} bytes (SHA-256 {actual.Sha256}), the manifest says {expected.Bytes} bytes (SHA-256 {expected.Sha256})"];
        return [];
    }
}
