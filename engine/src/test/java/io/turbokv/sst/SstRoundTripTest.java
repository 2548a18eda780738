package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.filter.KeyFilter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

class SstRoundTripTest {
    private Path dir;

    @BeforeTry
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory("sst-roundtrip");
    }

    @AfterTry
    void deleteDirectory() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Property(tries = 150)
    void everyEntryReadsBackByLookupAndIterationInOrder(@ForAll long seed,
                                                        @ForAll @IntRange(min = 1, max = 400) int keyCount,
                                                        @ForAll boolean collidingHashes,
                                                        @ForAll boolean uniformShape)
            throws IOException {
        Random random = new Random(seed);
        List<TestEntry> entries = SstFiles.randomEntries(random, keyCount, collidingHashes, random.nextInt(8) == 0,
                uniformShape);
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);

        assertEquals(Files.size(file), summary.fileSize());
        assertEquals(entries.size(), summary.entryCount());
        assertEquals(entries.getFirst().hash(), summary.minHash());
        assertEquals(entries.getLast().hash(), summary.maxHash());
        long[] distinct = entries.stream().mapToLong(TestEntry::hash).distinct().toArray();
        assertEquals(distinct.length, summary.keyCount());
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(KeyFilter.build(distinct, distinct.length, arena).toArray(ValueLayout.JAVA_BYTE),
                    summary.keyFilter().toArray(ValueLayout.JAVA_BYTE));
        }

        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertEquals(entries, SstFiles.iterate(reader));
            TestEntry previous = null;
            for (TestEntry e : entries) {
                if (previous == null || !previous.sameKey(e)) {
                    assertEquals(SstFiles.group(entries, e), SstFiles.lookup(reader, scratch, e.hash(), e.key()));
                }
                previous = e;
            }
            for (TestEntry absent : SstFiles.absentKeys(random, entries, 50)) {
                assertEquals(List.of(), SstFiles.lookup(reader, scratch, absent.hash(), absent.key()),
                        absent.toString());
            }
        }
    }

    @Property(tries = 10)
    void manyEntriesWithOneHashStayInOneKeyBlockAndAllReadBack(@ForAll long seed) throws IOException {
        Random random = new Random(seed);
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            long hash = i < 2500 ? 42 : 43 + i / 100;
            byte[] key = SstFiles.bytes(random, 10 + random.nextInt(40));
            entries.add(TestEntry.value(hash, key, SstFiles.randomValue(random, false)));
        }
        entries.sort(TestEntry::compareKey);
        List<TestEntry> distinct = new ArrayList<>();
        for (TestEntry e : entries) {
            if (distinct.isEmpty() || !distinct.getLast().sameKey(e)) {
                distinct.add(e);
            }
        }
        Path file = dir.resolve("00000002.sst");
        SstSummary summary = SstFiles.write(file, distinct);
        try (SstReader reader = SstReader.open(file, 2, summary.blockCount(), summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            assertEquals(distinct, SstFiles.iterate(reader));
            for (TestEntry e : distinct) {
                assertEquals(List.of(e), SstFiles.lookup(reader, scratch, e.hash(), e.key()));
            }
            assertTrue(reader.keyBlockCount() > 1, "later hashes get key blocks of their own");
        }
    }
}
