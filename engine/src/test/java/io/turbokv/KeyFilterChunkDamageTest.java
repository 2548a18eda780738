package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.MetaCopyBudget;
import io.turbokv.io.StoreFileNames;
import io.turbokv.meta.MetaFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A store whose key filter was damaged on disk after it was written: the open does not read the filter's chunks
 * (they are verified at their first query), so it succeeds; every get then returns the committed value or absence
 * as before, or reports the damaged chunk with the meta file, the chunk's offset in it and both CRCs; none answers
 * from the damaged bytes.
 */
class KeyFilterChunkDamageTest {
    /** Enough keys for a filter of several 4 KiB chunks (about 1.1 bytes per key). */
    private static final int KEYS = 20_000;

    @TempDir
    Path dir;

    static Stream<Arguments> bitsAndBudgets() {
        return Stream.of(Arguments.of(8, MetaCopyBudget.DEFAULT_BYTES), Arguments.of(16, MetaCopyBudget.DEFAULT_BYTES),
                Arguments.of(8, 0L), Arguments.of(16, 0L));
    }

    /**
     * Filters of 8-bit fingerprints (about 5 chunks) and of 16-bit ones (about 11, two bytes per slot), in a meta file
     * read into memory (the default budget) and in a mapped one (a budget of 0).
     */
    @ParameterizedTest
    @MethodSource("bitsAndBudgets")
    void aFlippedFilterByteIsReportedByTheFirstGetThatReadsItsChunkWithFileAndOffset(int bits, long metaCopyBytes)
            throws IOException {
        DbConfig config = DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).filterFingerprintBits(bits)
                .metaCopyBytes(metaCopyBytes).build();
        try (TurboKV db = TurboKV.open(dir, config); WriteBatch batch = db.writeBatch()) {
            for (int i = 0; i < KEYS; i++) {
                batch.put(0, key(i), value(i));
            }
            batch.commit();
        }
        Path meta = StoreFileNames.path(dir, StoreFileNames.Kind.META, onlyMetaSeq());
        long filterStart;
        long filterLength;
        try (MetaFile file = MetaFile.open(meta, onlyMetaSeq())) {
            assertEquals(1, file.entryCount());
            byte[] filter = file.entry(0).filter().toArray(ValueLayout.JAVA_BYTE);
            filterLength = filter.length;
            filterStart = indexOf(Files.readAllBytes(meta), filter);
        }
        assertTrue(filterLength > (bits == 16 ? 8 : 3) * 4096L, "filter of " + filterLength + " bytes");
        // The middle of the fingerprints: neither the header nor the chunk CRC table, which the open checks.
        long flipped = filterStart + filterLength / 2;
        byte[] bytes = Files.readAllBytes(meta);
        bytes[(int) flipped] ^= 0x20;
        Files.write(meta, bytes);

        int reported = 0;
        try (TurboKV db = TurboKV.open(dir, config)) {
            for (int i = 0; i < KEYS; i++) {
                int k = i;
                reported += answersOrReports(meta, filterStart, flipped,
                        () -> assertArrayEquals(value(k), db.get(0, key(k)).orElseThrow(), "key " + k));
                reported += answersOrReports(meta, filterStart, flipped,
                        () -> assertTrue(db.get(0, absentKey(k)).isEmpty(), "absent key " + k));
            }
        }
        assertTrue(reported > 0, "no get read the damaged chunk");
    }

    /** A get that must give its right answer or report the damaged chunk; 1 when it reported it. */
    private static int answersOrReports(Path meta, long filterStart, long flipped, Get get) throws IOException {
        try {
            get.run();
            return 0;
        } catch (CorruptionException e) {
            assertEquals(meta, e.file());
            assertTrue(e.offset() >= filterStart && e.offset() <= flipped && flipped < e.offset() + 4096,
                    "offset " + e.offset() + " should start the chunk holding " + flipped);
            assertTrue(e.getMessage().contains("crc mismatch: expected=0x"), e.getMessage());
            return 1;
        }
    }

    /** One get and its assertion. */
    private interface Get {
        void run() throws IOException;
    }

    private int onlyMetaSeq() throws IOException {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".meta"))
                    .mapToInt(n -> Integer.parseInt(n.substring(0, n.indexOf('.')))).max().orElseThrow();
        }
    }

    private static long indexOf(byte[] haystack, byte[] needle) {
        ByteBuffer hay = ByteBuffer.wrap(haystack);
        for (int at = 0; at + needle.length <= haystack.length; at++) {
            if (hay.slice(at, needle.length).equals(ByteBuffer.wrap(needle))) {
                return at;
            }
        }
        throw new AssertionError("filter bytes not found in the meta file");
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(UTF_8);
    }

    private static byte[] absentKey(int i) {
        return ("absent-" + i).getBytes(UTF_8);
    }

    private static byte[] value(int i) {
        return ("value-" + i).getBytes(UTF_8);
    }
}
