package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offset table is read an entry at a time, at the first use of a block the entry bounds (SstReader). Every
 * entry (first, middle, last data block, the index block's two) is set to every plausible wrong value (0, every
 * other block boundary, boundaries +-1 and +-8, the table start, past the file); then each key is looked up on its
 * own fresh reader (so its blocks are used first, before their neighbours), and the file is iterated forward. Each
 * outcome must be the right entries or a CorruptionException naming the file, never another exception or a wrong
 * value.
 */
class DamagedOffsetTableEntryTest {
    @TempDir
    Path dir;

    private List<TestEntry> entries;
    private SstSummary summary;
    private byte[] original;
    private long[] ends;
    private long tableStart;

    @BeforeEach
    void write() throws IOException {
        entries = SstCorruptionTest.smallEntrySet();
        Path file = dir.resolve("00000001.sst");
        summary = SstFiles.write(file, entries);
        original = Files.readAllBytes(file);
        int blocks = summary.blockCount();
        tableStart = original.length - (long) blocks * BlockOffsetTable.ENTRY_LENGTH;
        ends = new long[blocks];
        MemorySegment bytes = MemorySegment.ofArray(original);
        for (int i = 0; i < blocks; i++) {
            ends[i] = Bytes.u32(bytes, tableStart + (long) i * BlockOffsetTable.ENTRY_LENGTH);
        }
    }

    @Test
    void everyEntrySetToEveryPlausibleWrongValueIsDetectedWhateverBlockIsUsedFirst() throws IOException {
        int blocks = summary.blockCount();
        TreeSet<Long> candidates = new TreeSet<>();
        candidates.add(0L);
        candidates.add(tableStart);
        candidates.add((long) original.length + 1);
        candidates.add(0xFFFF_FFFFL);
        for (long end : ends) {
            for (long d : new long[] {-8, -1, 0, 1, 8}) {
                if (end + d >= 0) {
                    candidates.add(end + d);
                }
            }
        }
        Path file = dir.resolve("00000002.sst");
        int detected = 0;
        for (int block = 0; block < blocks; block++) {
            long entry = tableStart + (long) block * BlockOffsetTable.ENTRY_LENGTH;
            for (long found : candidates) {
                if (found == ends[block]) {
                    continue;
                }
                byte[] damaged = original.clone();
                MemorySegment.ofArray(damaged).set(Bytes.BE_INT, entry, (int) found);
                Files.write(file, damaged);
                String what = "entry of block " + block + " of " + blocks + " set to " + found + " (was "
                        + ends[block] + ")";
                detected += readEachKeyAlone(file, what);
                detected += iterate(file, what);
            }
        }
        assertTrue(detected > 0);
    }

    /** A damaged data-block entry passes the open and is found only at the get that uses its block. */
    @Test
    void aDamagedEntryIsFoundOnlyByTheGetThatUsesItsBlock() throws IOException {
        int blocks = summary.blockCount();
        // the entry of block 0 (the first key block): every other key's lookup must still work
        long entry = tableStart;
        byte[] damaged = original.clone();
        MemorySegment.ofArray(damaged).set(Bytes.BE_INT, entry, 0);
        Path file = dir.resolve("00000003.sst");
        Files.write(file, damaged);
        try (SstReader reader = SstReader.open(file, 3, blocks, summary.fileSize());
             LookupScratch scratch = new LookupScratch()) {
            TestEntry last = entries.getLast();
            assertEquals(SstFiles.group(entries, last), SstFiles.lookup(reader, scratch, last.hash(), last.key()));
            TestEntry first = entries.getFirst();
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> SstFiles.lookup(reader, scratch, first.hash(), first.key()));
            assertEquals(file, e.file());
            assertEquals(entry, e.offset(), e.getMessage());
            // and again: a failed first use caches nothing that lets a second use through
            e = assertThrows(CorruptionException.class,
                    () -> SstFiles.lookup(reader, scratch, first.hash(), first.key()));
            assertEquals(entry, e.offset(), e.getMessage());
        }
    }

    /** Many threads making the first use of every block of one reader at once see the right entries. */
    @Test
    void concurrentFirstUsesOfEveryBlockReadTheRightEntries() throws Exception {
        Path file = dir.resolve("00000001.sst");
        for (int round = 0; round < 200; round++) {
            try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize())) {
                int threads = 4;
                CountDownLatch start = new CountDownLatch(1);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Thread> started = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int shift = t;
                    started.add(Thread.ofPlatform().start(() -> {
                        try (LookupScratch scratch = new LookupScratch()) {
                            start.await();
                            for (int i = 0; i < entries.size(); i++) {
                                TestEntry e = entries.get((i + shift * 7) % entries.size());
                                List<TestEntry> found = SstFiles.lookup(reader, scratch, e.hash(), e.key());
                                if (!found.equals(SstFiles.group(entries, e))) {
                                    throw new AssertionError("wrong entries for " + e + ": " + found);
                                }
                            }
                        } catch (Throwable x) {
                            failure.compareAndSet(null, x);
                        }
                    }));
                }
                start.countDown();
                for (Thread t : started) {
                    t.join();
                }
                if (failure.get() != null) {
                    throw new AssertionError("round " + round, failure.get());
                }
            }
        }
    }

    /**
     * Entry b-1 (where block b starts) moved back to where block b-2 starts, block b used first: the span of
     * block b would take in blocks b-2 and b-1, leaving only block b's CRC to reject it, at block b's new start;
     * the first use of block b compares entry b-1 with entry b-2 (as a whole-table pass did) and names entry b-1.
     */
    @Test
    void aStartMovedBackIntoAnEarlierBlockIsReportedAtTheDamagedEntry() throws IOException {
        int blocks = summary.blockCount();
        Path file = dir.resolve("00000004.sst");
        List<String> misreported = new ArrayList<>();
        for (int b = 3; b < blocks - 1; b++) {
            long entry = tableStart + (long) (b - 1) * BlockOffsetTable.ENTRY_LENGTH;
            byte[] damaged = original.clone();
            MemorySegment.ofArray(damaged).set(Bytes.BE_INT, entry, (int) ends[b - 3]);
            Files.write(file, damaged);
            TestEntry previous = null;
            for (TestEntry e : entries) {
                if (previous != null && previous.sameKey(e)) {
                    continue;
                }
                previous = e;
                try (SstReader reader = SstReader.open(file, 4, blocks, summary.fileSize());
                     LookupScratch scratch = new LookupScratch()) {
                    SstFiles.lookup(reader, scratch, e.hash(), e.key());
                } catch (CorruptionException x) {
                    if (x.offset() < tableStart) {
                        misreported.add("entry " + (b - 1) + " damaged, reported: " + x.getMessage());
                    }
                }
            }
        }
        assertEquals(List.of(), misreported.stream().distinct().toList());
    }

    private int readEachKeyAlone(Path file, String what) {
        int detected = 0;
        TestEntry previous = null;
        for (TestEntry e : entries) {
            if (previous != null && previous.sameKey(e)) {
                continue;
            }
            previous = e;
            try (SstReader reader = SstReader.open(file, 2, summary.blockCount(), summary.fileSize());
                 LookupScratch scratch = new LookupScratch()) {
                List<TestEntry> found;
                try {
                    found = SstFiles.lookup(reader, scratch, e.hash(), e.key());
                } catch (CorruptionException x) {
                    assertEquals(file, x.file(), what);
                    detected++;
                    continue;
                }
                if (!found.equals(SstFiles.group(entries, e))) {
                    fail(what + ": wrong entries for " + e + ": " + found);
                }
            } catch (CorruptionException x) {
                assertEquals(file, x.file(), what);
                detected++;
                return detected; // the open found it: every key's open will
            } catch (IOException | RuntimeException | AssertionError x) {
                throw new AssertionError(what + ": damage surfaced as " + x, x);
            }
        }
        return detected;
    }

    private int iterate(Path file, String what) {
        try (SstReader reader = SstReader.open(file, 2, summary.blockCount(), summary.fileSize())) {
            List<TestEntry> all = SstFiles.iterate(reader);
            if (!all.equals(entries)) {
                fail(what + ": iteration yielded wrong entries");
            }
            return 0;
        } catch (CorruptionException x) {
            assertEquals(file, x.file(), what);
            return 1;
        } catch (IOException | RuntimeException x) {
            throw new AssertionError(what + ": damage surfaced as " + x, x);
        }
    }
}
