package io.turbokv.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/** The tests' conversions between strings and the bytes the stores hold: UTF-8 throughout. */
final class TestBytes {
    private TestBytes() {}

    /** {@return {@code key} as a store key} */
    static Bytes key(String key) {
        return Bytes.wrap(key.getBytes(StandardCharsets.UTF_8));
    }

    /** {@return {@code value} as a stored value} */
    static byte[] value(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** {@return {@code bytes} as a string; null for null (an absent value)} */
    static String string(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
