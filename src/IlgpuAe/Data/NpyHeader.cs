using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace IlgpuAe.Data;

/// <summary>
/// The header of a .npy file, parsed strictly: the preamble, then exactly the Python dict literal NumPy writes
/// (<c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>: the three keys once each, in any order,
/// with a closing brace followed by nothing but spaces and newlines). Anything else, a NUL byte included, is refused.
/// </summary>
/// <param name="DType">NumPy's descr, e.g. "&lt;f4".</param>
/// <param name="Shape">Dimensions, outermost first (C order).</param>
/// <param name="DataOffset">Bytes before the first element.</param>
internal sealed record NpyHeader(string DType, int[] Shape, int DataOffset)
{
    /// <summary>Bytes of one stored element.</summary>
    public int ElementSize => DType switch { "<f4" => 4, "<f8" or "<i8" => 8, _ => 1 };

    /// <summary>Elements: the product of <see cref="Shape"/>.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape as NumPy prints it, for messages.</summary>
    public string ShapeText => Shape.Length == 1 ? $"{Shape[0]}," : string.Join(", ", Shape);

    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Bytes to read before <see cref="Lengths"/> can tell the header's length.</summary>
    public const int MaxPreamble = 12;

    /// <summary>The preamble's length and the header's, from the file's first bytes (at least 10; 12 for versions 2 and 3).</summary>
    public static (int Preamble, int Header) Lengths(ReadOnlySpan<byte> start, string name)
    {
        if (start.Length < 10 || !start[..6].SequenceEqual(Magic))
            throw new IlgpuAeException($"'{name}' is not a .npy file (no \\x93NUMPY magic).");
        switch (start[6])
        {
            case 1:
                return (10, BinaryPrimitives.ReadUInt16LittleEndian(start[8..10]));
            case 2 or 3:
                if (start.Length < 12) throw new IlgpuAeException($"'{name}' is truncated inside its .npy preamble.");
                uint h = BinaryPrimitives.ReadUInt32LittleEndian(start[8..12]);
                if (h > 1 << 20) throw new IlgpuAeException($"'{name}' claims a .npy header of {h} bytes, more than any real header.");
                return (12, (int)h);
            default:
                throw new IlgpuAeException($"'{name}' has .npy version {start[6]}.{start[7]}; versions 1 to 3 are supported.");
        }
    }

    /// <summary>Parses the header text (the bytes after the preamble); <paramref name="dataOffset"/> is where the elements start.</summary>
    public static NpyHeader Parse(ReadOnlySpan<byte> bytes, int dataOffset, string name)
    {
        if (bytes.IndexOf((byte)0) >= 0)
            throw new IlgpuAeException($"'{name}' has a NUL byte inside its .npy header.");
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new IlgpuAeException($"'{name}' has a .npy header that is not text.");
        }
        var fields = new DictReader(text, name).Read();
        foreach (var key in new[] { "descr", "fortran_order", "shape" })
            if (!fields.ContainsKey(key)) throw new IlgpuAeException($"'{name}' has a .npy header without a readable '{key}'.");
        if (fields["descr"] is not string descr)
            throw new IlgpuAeException($"'{name}' has a .npy header whose 'descr' is not a string (structured dtypes are not supported).");
        if (fields["fortran_order"] is not bool fortran)
            throw new IlgpuAeException($"'{name}' has a .npy header whose 'fortran_order' is not True or False.");
        if (fields["shape"] is not int[] shape)
            throw new IlgpuAeException($"'{name}' has a .npy header whose 'shape' is not a tuple of sizes.");
        if (fortran)
            throw new IlgpuAeException($"'{name}' is stored in Fortran order; save it in C order (numpy.ascontiguousarray).");
        if (descr is not ("<f4" or "<f8" or "|u1" or "<u1" or "<i8"))
            throw new IlgpuAeException($"'{name}' holds dtype '{descr}'; float32, float64, uint8 and int64 (little-endian) are supported.");
        return new NpyHeader(descr, shape, dataOffset);
    }

    /// <summary>A reader of the one dict literal form NumPy writes; values are strings, booleans or int tuples.</summary>
    sealed class DictReader(string text, string name)
    {
        int _at;

        public Dictionary<string, object> Read()
        {
            var fields = new Dictionary<string, object>();
            Skip();
            Expect('{');
            Skip();
            while (Peek() != '}')
            {
                if (_at >= text.Length) throw Bad("ends before its closing brace");
                string key = String("a key");
                if (key is not ("descr" or "fortran_order" or "shape")) throw Bad($"has the unexpected key '{key}'");
                Skip();
                Expect(':');
                Skip();
                object value = Peek() switch
                {
                    '\'' or '"' => String("a value"),
                    '(' => Tuple(),
                    _ => Bool(),
                };
                if (!fields.TryAdd(key, value)) throw Bad($"names '{key}' twice");
                Skip();
                if (Peek() == ',') { _at++; Skip(); }
                else if (Peek() != '}') throw Bad($"has '{Shown(Peek())}' where a comma or the closing brace belongs");
            }
            _at++;
            Skip();
            if (_at != text.Length) throw Bad($"has '{Shown(text[_at])}' after its closing brace");
            return fields;
        }

        int[] Tuple()
        {
            Expect('(');
            var sizes = new List<int>();
            bool comma = false;
            Skip();
            while (Peek() != ')')
            {
                if (_at >= text.Length) throw Bad("ends inside its shape");
                int start = _at;
                while (Peek() is >= '0' and <= '9') _at++;
                if (_at == start || !int.TryParse(text.AsSpan(start, _at - start), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
                    throw Bad($"has a shape entry '{text[start..Math.Min(text.Length, start + 12)].Split(',', ')')[0]}' that is not a size");
                sizes.Add(size);
                Skip();
                comma = Peek() == ',';
                if (comma) { _at++; Skip(); }
                else if (Peek() != ')') throw Bad($"has '{Shown(Peek())}' inside its shape");
            }
            _at++;
            // Python's (5) is the number 5, not a tuple: NumPy writes (5,).
            if (sizes.Count == 1 && !comma) throw Bad("has a one-dimensional shape without its trailing comma");
            return [.. sizes];
        }

        bool Bool()
        {
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
                if (string.CompareOrdinal(text, _at, word, 0, word.Length) == 0)
                {
                    _at += word.Length;
                    return value;
                }
            throw Bad($"has '{Shown(Peek())}' where a value belongs");
        }

        string String(string what)
        {
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Bad($"has '{Shown(quote)}' where {what} belongs");
            int end = text.IndexOf(quote, _at + 1);
            if (end < 0) throw Bad("has an unterminated string");
            string s = text[(_at + 1)..end];
            if (s.Contains('\\') || s.Contains('\n')) throw Bad("has an escape or line break inside a string");
            _at = end + 1;
            return s;
        }

        void Expect(char c)
        {
            if (Peek() != c) throw Bad(_at >= text.Length ? $"ends before its '{c}'" : $"has '{Shown(Peek())}' where '{c}' belongs");
            _at++;
        }

        char Peek() => _at < text.Length ? text[_at] : '\0';

        void Skip()
        {
            while (_at < text.Length && text[_at] is ' ' or '\t' or '\n' or '\r') _at++;
        }

        static string Shown(char c) => c == '\0' ? "the end" : c.ToString();

        IlgpuAeException Bad(string what) => new($"'{name}' has a .npy header that {what}; it must be the dict NumPy writes.");
    }
}
