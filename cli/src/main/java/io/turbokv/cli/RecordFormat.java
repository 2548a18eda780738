package io.turbokv.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The line formats of {@code export}, {@code load} and {@code batch}: one entry (or one operation) a line, any key
 * and value, every byte kept, so that an export loads back into the same entries.
 *
 * <ul>
 *   <li>{@link #TSV}: {@code KEY<TAB>VALUE} as UTF-8 text, with the escapes {@code \\} (a backslash), {@code \t},
 *       {@code \n}, {@code \r} and {@code \xHH} (one byte that is not part of valid UTF-8), as PostgreSQL's
 *       {@code COPY} text format writes them. Reading, the value is everything after the first tab, so hand-written
 *       values may hold raw tabs; any other backslash sequence is an error.</li>
 *   <li>{@link #HEX}: {@code KEY<TAB>VALUE} in hex digits (reading: either case, an optional {@code 0x}).</li>
 *   <li>{@link #JSONL}: one JSON object a line, {@code {"key":"...","value":"..."}}; a key or value that is not
 *       valid UTF-8 is written as {@code "key_hex"} or {@code "value_hex"} instead.</li>
 * </ul>
 *
 * <p>A batch line starts with its operation: {@code put<TAB>KEY<TAB>VALUE} or {@code delete<TAB>KEY} (TSV, hex), or
 * an {@code "op"} member, {@code "put"} or {@code "delete"} (JSON Lines).
 */
enum RecordFormat {
    /** Escaped UTF-8 text, tab-separated. */
    TSV,
    /** Hex digits, tab-separated. */
    HEX,
    /** JSON Lines. */
    JSONL;

    private static final HexFormat HEX_DIGITS = HexFormat.of();

    /** What a batch line does. */
    enum Op {
        /** Puts a value under a key. */
        PUT,
        /** Deletes a key. */
        DELETE
    }

    /**
     * One parsed line.
     *
     * @param op    the operation ({@link Op#PUT} for a load line)
     * @param key   the key's bytes
     * @param value the value's bytes; {@code null} for a delete
     */
    record Entry(Op op, byte[] key, byte[] value) {}

    /** The format a file's name suggests: JSON Lines for {@code .jsonl} and {@code .ndjson}, else {@code null}. */
    static RecordFormat of(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".ndjson") ? JSONL : null;
    }

    /** {@return the line (without its line break) that stands for {@code key} and {@code value}} */
    String line(byte[] key, byte[] value) {
        return switch (this) {
            case TSV -> escape(key) + '\t' + escape(value);
            case HEX -> HEX_DIGITS.formatHex(key) + '\t' + HEX_DIGITS.formatHex(value);
            case JSONL -> {
                Map<String, Object> object = new LinkedHashMap<>();
                member(object, "key", key);
                member(object, "value", value);
                yield Json.write(object);
            }
        };
    }

    private static void member(Map<String, Object> object, String name, byte[] bytes) {
        if (isUtf8(bytes)) {
            object.put(name, new String(bytes, StandardCharsets.UTF_8));
        } else {
            object.put(name + "_hex", HEX_DIGITS.formatHex(bytes));
        }
    }

    /**
     * Parses a load line: a key and its value.
     *
     * @throws IllegalArgumentException saying what is wrong with the line
     */
    Entry parseEntry(String line) {
        if (this == JSONL) {
            Map<String, Object> object = jsonObject(line, Set.of("key", "key_hex", "value", "value_hex"));
            return new Entry(Op.PUT, bytes(object, "key"), bytes(object, "value"));
        }
        int tab = line.indexOf('\t');
        if (tab < 0) {
            throw new IllegalArgumentException("expected KEY<TAB>VALUE, found no tab");
        }
        return new Entry(Op.PUT, field(line.substring(0, tab), "key"), field(line.substring(tab + 1), "value"));
    }

    /**
     * Parses a batch line: {@code put} with a key and a value, or {@code delete} with a key.
     *
     * @throws IllegalArgumentException saying what is wrong with the line
     */
    Entry parseOperation(String line) {
        if (this == JSONL) {
            Map<String, Object> object = jsonObject(line, Set.of("op", "key", "key_hex", "value", "value_hex"));
            Op op = op(object.get("op") instanceof String name ? name : null);
            byte[] key = bytes(object, "key");
            if (op == Op.DELETE) {
                if (object.containsKey("value") || object.containsKey("value_hex")) {
                    throw new IllegalArgumentException("a delete takes no value");
                }
                return new Entry(op, key, null);
            }
            return new Entry(op, key, bytes(object, "value"));
        }
        int tab = line.indexOf('\t');
        Op op = op(tab < 0 ? line : line.substring(0, tab));
        String rest = tab < 0 ? null : line.substring(tab + 1);
        if (op == Op.DELETE) {
            if (rest == null || rest.indexOf('\t') >= 0) {
                throw new IllegalArgumentException("expected delete<TAB>KEY");
            }
            return new Entry(op, field(rest, "key"), null);
        }
        int second = rest == null ? -1 : rest.indexOf('\t');
        if (second < 0) {
            throw new IllegalArgumentException("expected put<TAB>KEY<TAB>VALUE");
        }
        return new Entry(op, field(rest.substring(0, second), "key"), field(rest.substring(second + 1), "value"));
    }

    private static Op op(String name) {
        if ("put".equals(name)) {
            return Op.PUT;
        }
        if ("delete".equals(name)) {
            return Op.DELETE;
        }
        throw new IllegalArgumentException("expected the operation put or delete, found "
                + (name == null ? "none" : "'" + name + "'"));
    }

    private byte[] field(String text, String what) {
        return this == HEX ? Encoding.decode(text, true, what) : unescape(text, what);
    }

    private static Map<String, Object> jsonObject(String line, Set<String> allowed) {
        if (!(Json.parse(line) instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        Map<String, Object> object = new LinkedHashMap<>();
        for (Map.Entry<?, ?> member : map.entrySet()) {
            String name = (String) member.getKey();
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown member \"" + name + "\" (expected "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            if (!(member.getValue() instanceof String)) {
                throw new IllegalArgumentException("\"" + name + "\" is not a string");
            }
            object.put(name, member.getValue());
        }
        return object;
    }

    private static byte[] bytes(Map<String, Object> object, String name) {
        Object text = object.get(name);
        Object hex = object.get(name + "_hex");
        if (text != null && hex != null) {
            throw new IllegalArgumentException("both \"" + name + "\" and \"" + name + "_hex\"");
        }
        if (text == null && hex == null) {
            throw new IllegalArgumentException("no \"" + name + "\" (or \"" + name + "_hex\")");
        }
        return text != null ? ((String) text).getBytes(StandardCharsets.UTF_8)
                : Encoding.decode((String) hex, true, name);
    }

    /** {@code bytes} as TSV text: UTF-8 where valid, escapes for backslash, tab, line breaks and other bytes. */
    static String escape(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 8);
        int i = 0;
        while (i < bytes.length) {
            int length = utf8Length(bytes, i);
            if (length == 0) {
                out.append(String.format(Locale.ROOT, "\\x%02x", bytes[i] & 0xFF));
                i++;
            } else if (length == 1) {
                char c = (char) bytes[i];
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '\t' -> out.append("\\t");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(c);
                }
                i++;
            } else {
                out.append(new String(bytes, i, length, StandardCharsets.UTF_8));
                i += length;
            }
        }
        return out.toString();
    }

    /**
     * The bytes a TSV field stands for: its text in UTF-8, escapes undone.
     *
     * @throws IllegalArgumentException at a backslash that starts no known escape
     */
    static byte[] unescape(String text, String what) {
        if (text.indexOf('\\') < 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        int plain = 0;
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) != '\\') {
                i++;
                continue;
            }
            out.writeBytes(text.substring(plain, i).getBytes(StandardCharsets.UTF_8));
            char e = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            switch (e) {
                case '\\' -> out.write('\\');
                case 't' -> out.write('\t');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 'x' -> {
                    int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
                    int low = i + 3 < text.length() ? Character.digit(text.charAt(i + 3), 16) : -1;
                    if (high < 0 || low < 0) {
                        throw badEscape(text, i, what);
                    }
                    out.write(high * 16 + low);
                    i += 2;
                }
                default -> throw badEscape(text, i, what);
            }
            i += 2;
            plain = i;
        }
        out.writeBytes(text.substring(plain).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static IllegalArgumentException badEscape(String text, int at, String what) {
        String sequence = text.substring(at, Math.min(text.length(),
                at + (at + 1 < text.length() && text.charAt(at + 1) == 'x' ? 4 : 2)));
        return new IllegalArgumentException("bad escape '" + sequence + "' in the " + what + " at character "
                + (at + 1) + " (known: \\\\ \\t \\n \\r \\xHH; write \\\\ for a backslash)");
    }

    /** Whether every byte of {@code bytes} belongs to well-formed UTF-8. */
    static boolean isUtf8(byte[] bytes) {
        for (int i = 0; i < bytes.length;) {
            int length = utf8Length(bytes, i);
            if (length == 0) {
                return false;
            }
            i += length;
        }
        return true;
    }

    /**
     * The length of the well-formed UTF-8 sequence at {@code bytes[i]} (1 to 4), or 0 when none starts there: the
     * ranges of the Unicode standard's table 3-7, so no overlong form, surrogate or value above U+10FFFF.
     */
    private static int utf8Length(byte[] bytes, int i) {
        int b0 = bytes[i] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int length;
        int low = 0x80;
        int high = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            low = b0 == 0xE0 ? 0xA0 : 0x80;
            high = b0 == 0xED ? 0x9F : 0xBF;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            low = b0 == 0xF0 ? 0x90 : 0x80;
            high = b0 == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + length > bytes.length) {
            return 0;
        }
        int b1 = bytes[i + 1] & 0xFF;
        if (b1 < low || b1 > high) {
            return 0;
        }
        for (int k = 2; k < length; k++) {
            int next = bytes[i + k] & 0xFF;
            if (next < 0x80 || next > 0xBF) {
                return 0;
            }
        }
        return length;
    }
}
