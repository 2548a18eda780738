package io.turbokv.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.filter.KeyFilter;
import io.turbokv.filter.KeyFilterSigning;
import io.turbokv.filter.UsedKeyFilter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Any filter payload either fails its {@code check} with {@link CorruptionException} or can then be queried (and a
 * used-key filter merged) without reading out of bounds, whatever its body bytes: the contract of
 * {@link KeyFilter#check} and {@link UsedKeyFilter#check}; a key filter's query may also report a damaged chunk
 * with {@link CorruptionException}. The first input byte picks the filter (bit 0 clear:
 * key filter, set: used-key filter) and, for a key filter, whether its header CRC is recomputed first (bit 1) and
 * its chunk CRCs too (bit 2, so that mutated fingerprints are queried rather than reported as damaged), so that the
 * fuzzer reaches the queries; the rest is the payload. The query hashes are fixed ones plus every 8-byte word of
 * the payload.
 */
class FilterFuzzTest {
    static final int USED_KEY_FILTER = 1;
    static final int SIGN = 2;
    static final int SIGN_CHUNKS = 4;
    private static final Path FILE = Path.of("00000001.meta");
    private static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @FuzzTest
    void checkedFiltersAnswerEveryQueryInBounds(byte[] input) {
        if (input.length == 0) {
            return;
        }
        MemorySegment payload = MemorySegment.ofArray(Arrays.copyOfRange(input, 1, input.length));
        boolean usedKeys = (input[0] & USED_KEY_FILTER) != 0;
        if (!usedKeys && (input[0] & SIGN) != 0) {
            KeyFilterSigning.sign(payload, (input[0] & SIGN_CHUNKS) != 0);
        }
        try {
            if (usedKeys) {
                UsedKeyFilter.check(payload, FILE, 0);
            } else {
                KeyFilter.check(payload, FILE, 0);
            }
        } catch (CorruptionException e) {
            return;
        }
        long[] hashes = hashes(payload);
        if (usedKeys) {
            for (long hash : hashes) {
                UsedKeyFilter.contains(payload, hash);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment merged = UsedKeyFilter.merge(List.of(payload, payload), arena);
                UsedKeyFilter.check(merged, FILE, 0);
            } catch (CorruptionException e) {
                throw new AssertionError("merging checked filters gave a filter that fails its check", e);
            }
        } else {
            for (long hash : hashes) {
                try {
                    KeyFilter.mayContain(payload, hash);
                } catch (CorruptionException e) {
                    // a chunk that does not match its CRC, reported at its first query: allowed
                }
            }
        }
    }

    private static long[] hashes(MemorySegment payload) {
        long words = Math.min(payload.byteSize() / 8, 64);
        long[] hashes = new long[(int) words + 4];
        for (int i = 0; i < words; i++) {
            hashes[i] = payload.get(BE_LONG, 8L * i);
        }
        hashes[(int) words] = 0;
        hashes[(int) words + 1] = -1;
        hashes[(int) words + 2] = Long.MIN_VALUE;
        hashes[(int) words + 3] = Long.MAX_VALUE;
        return hashes;
    }
}
