package io.turbokv.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * How keys and values are written on the command line and in load files: UTF-8 text, or hex digits with
 * {@code --hex} (case-insensitive, an optional {@code 0x} prefix, an even number of digits).
 */
final class Encoding {
    private static final HexFormat HEX = HexFormat.of();

    private Encoding() {}

    /**
     * The bytes {@code text} stands for.
     *
     * @param what names the text in the error, e.g. {@code "key"}
     * @throws IllegalArgumentException naming {@code what} and the problem when {@code hex} and the text is not hex
     */
    static byte[] decode(String text, boolean hex, String what) {
        if (!hex) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        String digits = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("bad hex " + what + " '" + text + "': odd number of hex digits ("
                    + digits.length() + ")");
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), 16) < 0) {
                throw new IllegalArgumentException("bad hex " + what + " '" + text + "': '" + digits.charAt(i)
                        + "' at position " + (text.length() - digits.length() + i) + " is not a hex digit");
            }
        }
        return HEX.parseHex(digits);
    }

    /**
     * {@code bytes} as lower-case hex digits when {@code hex}, else as UTF-8 text.
     *
     * @throws CliException when the bytes are not valid UTF-8 (the message suggests {@code --hex})
     */
    static String encode(byte[] bytes, boolean hex, String what) {
        if (hex) {
            return HEX.formatHex(bytes);
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new CliException("the " + what + " (" + bytes.length + " bytes) is not valid UTF-8: use --hex to"
                    + " print it as hex");
        }
    }
}
