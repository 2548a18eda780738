package io.turbokv.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turbokv.CorruptionException;
import io.turbokv.filter.KeyFilter;
import io.turbokv.filter.UsedKeyFilter;
import io.turbokv.meta.MetaEntry;
import io.turbokv.meta.MetaFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Any bytes, opened as a meta file and read as the store reads one, give entries or an {@link IOException}
 * ({@link CorruptionException} for damage, a plain one for another format version), nothing else. The first
 * input byte is a mode, the rest the file: with bit 0 set each key filter's header CRC and the CRC-32 trailer are
 * recomputed first ({@link Checksums#signMeta}), so the fuzzer also reaches the structural checks and the queries
 * behind them; with bit 1 set too, each filter's chunk CRCs as well, so that mutated fingerprints are queried
 * rather than reported as a damaged chunk.
 *
 * <p>Reading follows the store: {@link MetaFile#open}, then, as {@code TurboKV} does when it takes a meta file
 * into its state, {@link UsedKeyFilter#check} and {@link KeyFilter#check} on every entry's filter (a
 * {@link CorruptionException} there refuses the file), then what lookups do: {@link KeyFilter#mayContain} on each
 * entry's filter for hashes in the entry's range (which may report a damaged chunk of the filter), and
 * {@link UsedKeyFilter#contains}.
 */
class MetaFileFuzzTest {
    static final int SIGN = 1;
    static final int SIGN_CHUNKS = 2;
    private static final FuzzFiles FILES = new FuzzFiles("meta");

    @FuzzTest
    void anyBytesOpenAndReadAsAMetaFileOrAreReportedAsDamaged(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] file = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & SIGN) != 0) {
            Checksums.signMeta(file, (input[0] & SIGN_CHUNKS) != 0);
        }
        Path path = FILES.write("00000001.meta", file);
        try (MetaFile meta = MetaFile.open(path, 1)) {
            readEverything(meta, path);
        } catch (IOException e) {
            // CorruptionException, or another format version: allowed.
        }
    }

    private static void readEverything(MetaFile meta, Path path) {
        meta.family();
        meta.obsoleteSsts();
        MemorySegment used = meta.usedKeyFilter();
        try {
            UsedKeyFilter.check(used, path, CorruptionException.NO_OFFSET);
            for (int i = 0; i < meta.entryCount(); i++) {
                KeyFilter.check(meta.entry(i).filter(), path, CorruptionException.NO_OFFSET);
            }
        } catch (CorruptionException e) {
            return;
        }
        for (int i = 0; i < meta.entryCount(); i++) {
            MetaEntry entry = meta.entry(i);
            entry.filter().toArray(ValueLayout.JAVA_BYTE);
            long min = entry.minHash();
            long max = entry.maxHash();
            for (long hash : new long[] {min, max, min + (max - min) / 2}) {
                try {
                    KeyFilter.mayContain(entry.filter(), hash);
                } catch (CorruptionException e) {
                    // a chunk that does not match its CRC, found at its first query: allowed
                }
            }
        }
        for (long hash : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x1234_5678_9ABC_DEF0L}) {
            UsedKeyFilter.contains(used, hash);
        }
    }
}
