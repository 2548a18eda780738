package io.turbokv.kafka;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * Key bounds of a segment read: a segment key is the record key followed by a fixed-size suffix whose first 8 bytes
 * (big-endian) are a time (see {@link SegmentedStore}), and the segment is ordered by the segment key's unsigned
 * bytes, so a record key's entries are contiguous only when no other record key is a prefix of it.
 */
final class KeyBounds {
    private static final System.Logger LOGGER = System.getLogger(KeyBounds.class.getName());

    private KeyBounds() {}

    /**
     * {@return whether {@code from} is above {@code to} (both given)}: then a read returns nothing, and logs the
     * warning Kafka's stores log, which names the usual cause.
     */
    static boolean inverted(Bytes from, Bytes to) {
        if (from == null || to == null || from.compareTo(to) <= 0) {
            return false;
        }
        LOGGER.log(System.Logger.Level.WARNING, "Returning empty iterator for fetch with invalid key range: from > to."
                + " This may be due to range arguments set in the wrong order, or serdes that don't preserve ordering"
                + " when lexicographically comparing the serialized bytes. Note that the built-in numerical serdes do"
                + " not follow this for negative numbers");
        return true;
    }

    /** {@return {@code key}, then {@code time} big-endian, then {@code fill} bytes of {@code 0xFF}} */
    static Bytes withTime(byte[] key, long time, int fill) {
        byte[] bound = ByteBuffer.allocate(key.length + Long.BYTES + fill).put(key).putLong(time).array();
        Arrays.fill(bound, key.length + Long.BYTES, bound.length, (byte) 0xFF);
        return Bytes.wrap(bound);
    }

    /**
     * {@return the least upper bound of the segment keys of every record key up to {@code keyTo} whose suffix is at
     * most {@code maxSuffix}} A record key {@code k < keyTo} sorts below {@code keyTo}'s entries unless it is a prefix
     * of {@code keyTo}: then its suffix is compared with {@code keyTo}'s remaining bytes, and its entries may sort
     * above. So the bound is the largest of {@code keyTo[0, j) + maxSuffix} over every length j: for keys whose byte
     * after such a prefix is above the suffix's (text keys and times of our era), {@code keyTo + maxSuffix} itself.
     * Kafka's stores use {@code keyTo + maxSuffix} with a heuristic for the prefixes and can miss such entries.
     */
    static Bytes upper(byte[] keyTo, byte[] maxSuffix) {
        byte[] best = null;
        for (int length = 0; length <= keyTo.length; length++) {
            byte[] candidate = Arrays.copyOf(keyTo, length + maxSuffix.length);
            System.arraycopy(maxSuffix, 0, candidate, length, maxSuffix.length);
            if (best == null || Arrays.compareUnsigned(candidate, best) > 0) {
                best = candidate;
            }
        }
        return Bytes.wrap(best);
    }
}
