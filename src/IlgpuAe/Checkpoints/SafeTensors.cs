using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using IlgpuAe.Files;

namespace IlgpuAe.Checkpoints;

/// <summary>
/// The safetensors format (a u64 header length, a JSON header, then the raw tensor bytes), readable
/// by Python's safetensors and by any JSON parser.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted; anything bigger is a damaged length field, not a real header.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes a checkpoint atomically: the bytes go to a temporary file in the same directory, are flushed
    /// to disk, and only then replace <paramref name="path"/> (the directory is flushed after the rename), so a
    /// failure never leaves a damaged file there. The header records the SHA-256 of every tensor and of itself
    /// (<see cref="Checksums"/>), which <see cref="Read(string)"/> verifies.
    /// </summary>
    /// <exception cref="IlgpuAeException">A tensor is inconsistent or the file cannot be written.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, string> metadata, IEnumerable<TensorEntry> tensors)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        // Materialised first: the header needs every offset, and a throwing source must fail before any file exists.
        var list = tensors.ToList();
        foreach (var key in new[] { Checksums.HeaderKey, Checksums.TensorsKey })
            if (metadata.ContainsKey(key))
                throw new IlgpuAeException($"checkpoint '{path}' cannot store metadata '{key}': the writer records that checksum itself.");
        var sealedMetadata = new Dictionary<string, string>(metadata)
        {
            [Checksums.TensorsKey] = Checksums.TensorRecord(list),
            [Checksums.HeaderKey] = Checksums.Placeholder,
        };
        var header = BuildHeader(path, sealedMetadata, list);
        Checksums.SealHeader(header);

        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                file.Write(length);
                file.Write(header);
                foreach (var t in list)
                    file.Write(t.Data);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            DirectorySync.Flush(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IlgpuAeException($"checkpoint '{path}' cannot be written: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Reads and validates a whole checkpoint.</summary>
    /// <exception cref="IlgpuAeException">The file is missing or damaged; the message names the file and the problem.</exception>
    public static SafeTensorFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = RegularFile.OpenRead(path, "checkpoint");
        try
        {
            using (file)
                return Read(file, path);
        }
        catch (IOException e)
        {
            throw new IlgpuAeException($"checkpoint '{path}' cannot be read: {e.Message}", e);
        }
    }

    private static SafeTensorFile Read(FileStream file, string path)
    {
        long fileLength = file.Length;
        if (fileLength < 8)
            throw Bad(path, $"is truncated: {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw Bad(path, $"declares an absurd header length of {headerLength} bytes");
        if ((long)headerLength > fileLength - 8)
            throw Bad(path, $"declares a header of {headerLength} bytes but only {fileLength - 8} bytes follow");

        var header = new byte[headerLength];
        file.ReadExactly(header);
        long bufferLength = fileLength - 8 - (long)headerLength;
        // JsonDocument accepts ill-formed UTF-8 inside strings and only fails when a string is read, so check first.
        if (!Utf8.IsValid(header))
            throw Bad(path, "has a header that is not valid UTF-8");
        List<(string Name, DType DType, long[] Shape, long Begin, long End)> layout;
        Dictionary<string, string> metadata;
        try
        {
            (metadata, layout) = ParseHeader(path, header, bufferLength);
        }
        catch (InvalidOperationException e)
        {
            // Escaped lone surrogates ("\ud800") pass the parser but cannot become .NET strings.
            throw new IlgpuAeException($"checkpoint '{path}' has a header with an invalid string ({e.Message.TrimEnd('.')}).", e);
        }

        var tensors = new List<TensorEntry>(layout.Count);
        foreach (var (name, dtype, shape, begin, end) in layout)
        {
            // Every range has been checked against the real file length, so this allocation is bounded by it.
            var data = new byte[end - begin];
            file.Position = 8 + (long)headerLength + begin;
            file.ReadExactly(data);
            tensors.Add(new TensorEntry(name, dtype, shape, data));
        }
        bool verified = Checksums.Verify(path, header, metadata, tensors);
        metadata.Remove(Checksums.HeaderKey);
        metadata.Remove(Checksums.TensorsKey);
        return new SafeTensorFile(path, metadata, tensors, verified);
    }

    private static (Dictionary<string, string>, List<(string Name, DType DType, long[] Shape, long Begin, long End)>) ParseHeader(
        string path, byte[] header, long bufferLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new IlgpuAeException($"checkpoint '{path}' has a header that is not valid JSON ({e.Message.TrimEnd('.')}).", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(path, "has a header that is not a JSON object");
            var metadata = new Dictionary<string, string>();
            var layout = new List<(string Name, DType DType, long[] Shape, long Begin, long End)>();
            var seen = new HashSet<string>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Bad(path, $"names '{property.Name}' twice in its header");
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw Bad(path, "has a __metadata__ entry that is not a JSON object");
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Bad(path, $"has metadata '{m.Name}' whose value is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                layout.Add(ParseTensor(path, property));
            }

            layout.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            long expected = 0;
            foreach (var t in layout)
            {
                if (t.Begin != expected)
                    throw Bad(path, t.Begin < expected
                        ? $"has tensor '{t.Name}' whose data overlaps the previous tensor's"
                        : $"has a gap before the data of tensor '{t.Name}'");
                expected = t.End;
            }
            if (expected != bufferLength)
                throw Bad(path, expected > bufferLength
                    ? $"is truncated: its tensors need {expected} data bytes but only {bufferLength} are present"
                    : $"has {bufferLength - expected} bytes after the last tensor's data");
            return (metadata, layout);
        }
    }

    private static (string, DType, long[], long, long) ParseTensor(string path, JsonProperty property)
    {
        string name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"describes tensor '{name}' with something other than a JSON object");

        if (!value.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String)
            throw Bad(path, $"gives tensor '{name}' no dtype string");
        string spelling = dtypeJson.GetString()!;
        if (!DTypes.TryParse(spelling, out var dtype))
            throw Bad(path, $"gives tensor '{name}' the unknown dtype '{spelling}' (expected F32, F64, U8 or I64)");

        if (!value.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"gives tensor '{name}' no shape array");
        var shape = new long[shapeJson.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                throw Bad(path, $"gives tensor '{name}' a shape entry that is not a non-negative integer");
            shape[i++] = size;
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsJson) || offsetsJson.ValueKind != JsonValueKind.Array
            || offsetsJson.GetArrayLength() != 2
            || !TryOffset(offsetsJson[0], out long begin) || !TryOffset(offsetsJson[1], out long end))
            throw Bad(path, $"gives tensor '{name}' no data_offsets pair of non-negative integers");
        if (end < begin)
            throw Bad(path, $"gives tensor '{name}' data_offsets [{begin}, {end}] that end before they begin");

        long available = end - begin;
        long bytes;
        try
        {
            bytes = checked(shape.Aggregate((long)dtype.Size(), (product, size) => product * size));
        }
        catch (OverflowException)
        {
            throw Bad(path, $"gives tensor '{name}' the impossibly large shape [{string.Join(", ", shape)}]");
        }
        if (bytes != available)
            throw Bad(path, $"gives tensor '{name}' dtype {spelling} and shape [{string.Join(", ", shape)}], which need {bytes} bytes, but data_offsets span {available}");
        return (name, dtype, shape, begin, end);
    }

    private static bool TryOffset(JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value) && value >= 0;
    }

    private static byte[] BuildHeader(string path, IReadOnlyDictionary<string, string> metadata, List<TensorEntry> tensors)
    {
        var names = new HashSet<string>();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataKey);
            foreach (var (key, value) in metadata)
                json.WriteString(key, value);
            json.WriteEndObject();

            long offset = 0;
            foreach (var t in tensors)
            {
                if (string.IsNullOrEmpty(t.Name) || t.Name == MetadataKey || !names.Add(t.Name))
                    throw new IlgpuAeException($"checkpoint '{path}' cannot store a tensor named '{t.Name}': names must be non-empty, unique and not {MetadataKey}.");
                if (t.Shape.Any(d => d < 0) || t.ElementCount * t.DType.Size() != t.Data.LongLength)
                    throw new IlgpuAeException(
                        $"checkpoint '{path}' cannot store tensor '{t.Name}': {t.Data.Length} bytes do not match dtype {t.DType.Spelling()} and shape [{string.Join(", ", t.Shape)}].");
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.Spelling());
                json.WriteStartArray("shape");
                foreach (long d in t.Shape)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.LongLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.LongLength;
            }
            json.WriteEndObject();
        }
        // Spaces keep the header valid JSON while aligning the tensor data to 8 bytes, as Python's writer does.
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        while (buffer.Length < padded)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static IlgpuAeException Bad(string path, string problem) => new($"checkpoint '{path}' {problem}.");

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the original error matters more */ }
    }
}
