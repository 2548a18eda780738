package io.turbokv.cli;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON the command line writes ({@code --json}, JSON Lines exports) and reads (JSON Lines loads and batches):
 * RFC 8259, no dependency. Values map to Java as objects ({@link Map}, insertion-ordered), arrays ({@link List}),
 * strings, numbers ({@link Long} when integral and in range, else {@link BigDecimal}), booleans and {@code null}.
 */
final class Json {
    private Json() {}

    /** {@return an insertion-ordered map of the name-value pairs {@code pairs}, for {@link #write}} */
    static Map<String, Object> object(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    /**
     * {@code value} as compact JSON: maps become objects (keys as strings), iterables arrays, numbers and booleans
     * themselves, anything else a string of its {@code toString()}.
     */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    out.append(first ? "" : ",");
                    quote(String.valueOf(entry.getKey()), out);
                    out.append(':');
                    write(entry.getValue(), out);
                    first = false;
                }
                out.append('}');
            }
            case Iterable<?> items -> {
                out.append('[');
                boolean first = true;
                for (Object item : items) {
                    out.append(first ? "" : ",");
                    write(item, out);
                    first = false;
                }
                out.append(']');
            }
            case Double d when d.isNaN() || d.isInfinite() -> out.append("null");
            case Double d -> out.append(BigDecimal.valueOf(d).stripTrailingZeros().toPlainString());
            case Number number -> out.append(number);
            case Boolean bool -> out.append(bool);
            default -> quote(value.toString(), out);
        }
    }

    /** Appends {@code text} as a JSON string: quotes, backslashes and control characters escaped. */
    static void quote(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Parses one JSON value, the whole of {@code text} (white space around it allowed).
     *
     * @throws IllegalArgumentException naming the column and what was expected
     */
    static Object parse(String text) {
        Parser parser = new Parser(text);
        parser.space();
        Object value = parser.value();
        parser.space();
        if (parser.at < text.length()) {
            throw parser.error("end of input");
        }
        return value;
    }

    /** A recursive-descent reader over one text. */
    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        Object value() {
            if (at >= text.length()) {
                throw error("a value");
            }
            char c = text.charAt(at);
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("a value");
                }
            };
        }

        private Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            at++;
            space();
            if (peek('}')) {
                at++;
                return map;
            }
            while (true) {
                space();
                if (!peek('"')) {
                    throw error("a member name in quotes");
                }
                String name = string();
                space();
                expect(':');
                space();
                if (map.put(name, value()) != null) {
                    throw new IllegalArgumentException("duplicate member \"" + name + "\" (column " + at + ")");
                }
                space();
                if (peek(',')) {
                    at++;
                } else {
                    expect('}');
                    return map;
                }
            }
        }

        private List<Object> array() {
            List<Object> list = new ArrayList<>();
            at++;
            space();
            if (peek(']')) {
                at++;
                return list;
            }
            while (true) {
                space();
                list.add(value());
                space();
                if (peek(',')) {
                    at++;
                } else {
                    expect(']');
                    return list;
                }
            }
        }

        private String string() {
            at++; // the opening quote
            StringBuilder out = new StringBuilder();
            while (true) {
                if (at >= text.length()) {
                    throw error("a closing quote");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    break;
                }
                if (c < 0x20) {
                    throw error("no raw control character in a string (escape it)", at - 1);
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (at >= text.length()) {
                    throw error("an escape");
                }
                char e = text.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw error("four hex digits after \\u");
                        }
                        int code = 0;
                        for (int i = 0; i < 4; i++) {
                            int digit = Character.digit(text.charAt(at + i), 16);
                            if (digit < 0) {
                                throw error("four hex digits after \\u", at + i);
                            }
                            code = code * 16 + digit;
                        }
                        at += 4;
                        out.append((char) code);
                    }
                    default -> throw error("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at - 1);
                }
            }
            String result = out.toString();
            for (int i = 0; i < result.length(); i++) { // lone surrogates have no UTF-8 form
                char c = result.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < result.length()
                        && Character.isLowSurrogate(result.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "unpaired surrogate \\u%04x in a string (it has no UTF-8 form)", (int) c));
                }
            }
            return result;
        }

        private Object number() {
            int start = at;
            if (peek('-')) {
                at++;
            }
            digits();
            boolean integral = true;
            if (peek('.')) {
                at++;
                digits();
                integral = false;
            }
            if (peek('e') || peek('E')) {
                at++;
                if (peek('+') || peek('-')) {
                    at++;
                }
                digits();
                integral = false;
            }
            BigDecimal number = new BigDecimal(text.substring(start, at));
            if (integral) {
                try {
                    return number.longValueExact();
                } catch (ArithmeticException tooLarge) {
                    return number;
                }
            }
            return number;
        }

        private void digits() {
            int start = at;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                at++;
            }
            if (at == start) {
                throw error("a digit");
            }
        }

        private Object literal(String word, Object value) {
            if (!text.startsWith(word, at)) {
                throw error("a value");
            }
            at += word.length();
            return value;
        }

        void space() {
            while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        private boolean peek(char c) {
            return at < text.length() && text.charAt(at) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("'" + c + "'");
            }
            at++;
        }

        IllegalArgumentException error(String expected) {
            return error(expected, at);
        }

        private IllegalArgumentException error(String expected, int column) {
            String found = column >= text.length() ? "the end" : "'" + text.charAt(column) + "'";
            return new IllegalArgumentException("bad JSON at column " + (column + 1) + ": expected " + expected
                    + ", found " + found);
        }
    }
}
