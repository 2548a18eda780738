package io.turbokv.sst;

import io.turbokv.filter.KeyFilter;
import java.util.Locale;

/**
 * The choices an {@link SstWriter} makes that a store's configuration may change: how large its key blocks and
 * small value blocks grow, whether it compresses blocks, and how precise its key filter is. None of them is a format
 * decision a reader must be told about: the offset table says where each block ends, the {@link BlockFraming}
 * header whether a block is compressed, the key filter's tag which filter it is. Changing them therefore needs no
 * migration; they apply to the SSTs written from then on (by spills and by compaction), and SSTs written with other
 * choices stay readable as they are.
 *
 * @param keyBlockBytes         a key block's accounting budget ({@code key length + inline value length + }{@value
 *                              SstLimits#KEY_BLOCK_ENTRY_META_OVERHEAD} per entry), {@value SstLimits#MIN_BLOCK_BUDGET}
 *                              to {@value SstLimits#MAX_KEY_BLOCK_SIZE} bytes; a run of one hash (or of one key's
 *                              values) may take {@value SstLimits#KEY_BLOCK_RUN_FACTOR} times as much
 * @param valueBlockBytes       a small value block is written once it holds this many bytes,
 *                              {@value SstLimits#MIN_BLOCK_BUDGET} to {@value SstLimits#MAX_SMALL_VALUE_BLOCK_SIZE}
 * @param compress              whether blocks are LZ4-compressed when that saves at least 12.5 % (otherwise every
 *                              block is stored as is)
 * @param filterFingerprintBits the key filter's fingerprint width, 8 or 16 bits ({@link KeyFilter})
 */
public record SstOptions(int keyBlockBytes, int valueBlockBytes, boolean compress, int filterFingerprintBits) {
    /** The defaults: 16 KiB key blocks, 8 KiB small value blocks, LZ4, 8-bit filter fingerprints. */
    public static final SstOptions DEFAULT = new SstOptions(SstLimits.DEFAULT_KEY_BLOCK_SIZE,
            SstLimits.DEFAULT_SMALL_VALUE_BLOCK_SIZE, true, KeyFilter.DEFAULT_FINGERPRINT_BITS);

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException when a block budget is out of its range or the fingerprint width is neither
     *                                  8 nor 16
     */
    public SstOptions {
        checkRange("keyBlockBytes", keyBlockBytes, SstLimits.MIN_BLOCK_BUDGET, SstLimits.MAX_KEY_BLOCK_SIZE);
        checkRange("valueBlockBytes", valueBlockBytes, SstLimits.MIN_BLOCK_BUDGET,
                SstLimits.MAX_SMALL_VALUE_BLOCK_SIZE);
        KeyFilter.checkFingerprintBits(filterFingerprintBits);
    }

    /** {@return how many entries a key block takes before it is flushed, unless the entry continues a run} */
    public int keyBlockEntries() {
        return keyBlockBytes / SstLimits.KEY_BLOCK_ENTRY_META_OVERHEAD;
    }

    /** {@return the accounting budget up to which a key block grows to keep a run together} */
    public int keyBlockRunBytes() {
        return SstLimits.KEY_BLOCK_RUN_FACTOR * keyBlockBytes;
    }

    private static void checkRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %d (expected: %d..%d)", name, value,
                    min, max));
        }
    }
}
