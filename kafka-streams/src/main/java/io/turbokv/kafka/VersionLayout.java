package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * The entries of a {@link TurboKvVersionedStore} in its data family (key-ordered, unsigned bytes). All integers
 * big-endian; a time is written with its sign bit flipped ({@code t ^ Long.MIN_VALUE}), so that times sort as signed
 * numbers.
 *
 * <table>
 *   <caption>keys and values</caption>
 *   <tr><th>entry</th><th>key</th><th>value</th></tr>
 *   <tr><td>latest version (never a tombstone)</td><td>{@code 00 ‖ record key}</td>
 *       <td>{@code validFrom(8) ‖ record value}</td></tr>
 *   <tr><td>older version, or a tombstone</td>
 *       <td>{@code 01 ‖ length of the record key(4) ‖ record key ‖ validFrom(8, flipped)}</td>
 *       <td>{@code validTo(8) ‖ 01 ‖ record value}, or {@code validTo(8) ‖ 00} for a tombstone</td></tr>
 *   <tr><td>expiry index of an older version</td>
 *       <td>{@code 02 ‖ validTo(8, flipped) ‖ length(4) ‖ record key ‖ validFrom(8, flipped)}</td>
 *       <td>{@code 00}</td></tr>
 * </table>
 *
 * <p>The length before the record key keeps one key's versions one contiguous range, in validFrom order, with no
 * version of another key inside (without it, key {@code a}'s range would hold the versions of {@code a 05}); so the
 * version valid at a time is the first entry of a reverse range, and the next version the first of a forward one. The
 * expiry index orders the older versions by validTo, so that history retention deletes a prefix of it.
 */
final class VersionLayout {
    /** The first byte of a latest version's key. */
    static final byte LATEST = 0;
    /** The first byte of an older version's key. */
    static final byte HISTORY = 1;
    /** The first byte of an expiry index entry's key. */
    static final byte EXPIRY = 2;
    /** The value of an expiry index entry. */
    static final byte[] INDEX_VALUE = {0};
    private static final int TIME = Long.BYTES;
    private static final int LENGTH = Integer.BYTES;
    private static final byte TOMBSTONE_FLAG = 0;
    private static final byte VALUE_FLAG = 1;

    private VersionLayout() {}

    /** {@return the key of {@code key}'s latest version} */
    static Bytes latestKey(Bytes key) {
        byte[] k = key.get();
        return Bytes.wrap(ByteBuffer.allocate(1 + k.length).put(LATEST).put(k).array());
    }

    /** {@return the key of {@code key}'s older version valid from {@code validFrom}} */
    static Bytes historyKey(Bytes key, long validFrom) {
        byte[] k = key.get();
        return Bytes.wrap(ByteBuffer.allocate(1 + LENGTH + k.length + TIME).put(HISTORY).putInt(k.length).put(k)
                .putLong(flip(validFrom)).array());
    }

    /** {@return the expiry index key of {@code key}'s older version from {@code validFrom} to {@code validTo}} */
    static Bytes expiryKey(long validTo, Bytes key, long validFrom) {
        byte[] k = key.get();
        return Bytes.wrap(ByteBuffer.allocate(1 + TIME + LENGTH + k.length + TIME).put(EXPIRY).putLong(flip(validTo))
                .putInt(k.length).put(k).putLong(flip(validFrom)).array());
    }

    /** {@return the lowest expiry index key} */
    static Bytes firstExpiryKey() {
        return Bytes.wrap(new byte[] {EXPIRY});
    }

    /** {@return the lowest expiry index key of a version valid to {@code validTo} or later} */
    static Bytes expiryKeysFrom(long validTo) {
        return Bytes.wrap(ByteBuffer.allocate(1 + TIME).put(EXPIRY).putLong(flip(validTo)).array());
    }

    /** {@return the history key an expiry index key points to} */
    static Bytes historyKeyOfExpiry(byte[] expiryKey) {
        byte[] history = new byte[expiryKey.length - TIME];
        history[0] = HISTORY;
        System.arraycopy(expiryKey, 1 + TIME, history, 1, history.length - 1);
        return Bytes.wrap(history);
    }

    /** {@return the validFrom of a history key} */
    static long validFromOfHistoryKey(byte[] historyKey) {
        return flip(ByteBuffer.wrap(historyKey).getLong(historyKey.length - TIME));
    }

    /** {@return a latest version's value: {@code validFrom} and {@code value}} */
    static byte[] latestValue(long validFrom, byte[] value) {
        return ByteBuffer.allocate(TIME + value.length).putLong(validFrom).put(value).array();
    }

    /** {@return an older version's value: {@code validTo} and {@code value}, null for a tombstone} */
    static byte[] historyValue(long validTo, byte[] value) {
        ByteBuffer buffer = ByteBuffer.allocate(TIME + 1 + (value == null ? 0 : value.length)).putLong(validTo);
        return value == null ? buffer.put(TOMBSTONE_FLAG).array() : buffer.put(VALUE_FLAG).put(value).array();
    }

    /** {@return the latest version stored as {@code stored}} */
    static Version latest(byte[] stored) {
        return new Version(ByteBuffer.wrap(stored).getLong(), Long.MAX_VALUE,
                Arrays.copyOfRange(stored, TIME, stored.length));
    }

    /** {@return the older version stored under {@code historyKey} as {@code stored}} */
    static Version history(byte[] historyKey, byte[] stored) {
        byte[] value = stored[TIME] == TOMBSTONE_FLAG ? null : Arrays.copyOfRange(stored, TIME + 1, stored.length);
        return new Version(validFromOfHistoryKey(historyKey), ByteBuffer.wrap(stored).getLong(), value);
    }

    private static long flip(long time) {
        return time ^ Long.MIN_VALUE;
    }

    /**
     * One version of a record: its value (null for a tombstone) from {@code validFrom} (inclusive) to
     * {@code validTo} (exclusive; {@link Long#MAX_VALUE} for the latest version). A tombstone with
     * {@code validTo == validFrom} marks a deletion after every version.
     */
    record Version(long validFrom, long validTo, byte[] value) {
        /** {@return whether the version is valid at {@code time}} */
        boolean validAt(long time) {
            return validFrom <= time && time < validTo;
        }
    }
}
