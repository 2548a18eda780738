package io.turbokv.sst;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SstConcurrentLookupTest {
    @TempDir
    Path dir;

    @Test
    void threadsWithTheirOwnScratchReadTheSameFileCorrectly() throws Exception {
        List<TestEntry> entries = SstFiles.randomEntries(new Random(3), 2000, false, false);
        Path file = dir.resolve("00000001.sst");
        SstSummary summary = SstFiles.write(file, entries);
        List<TestEntry> firsts = new ArrayList<>();
        for (TestEntry e : entries) {
            if (firsts.isEmpty() || !firsts.getLast().sameKey(e)) {
                firsts.add(e);
            }
        }
        try (SstReader reader = SstReader.open(file, 1, summary.blockCount(), summary.fileSize())) {
            ExecutorService pool = Executors.newFixedThreadPool(4, Thread.ofPlatform().name("sst-lookup-", 0)
                    .factory());
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    results.add(pool.submit(() -> lookUpAll(reader, entries, firsts, seed)));
                }
                for (Future<Integer> result : results) {
                    assertEquals(firsts.size(), result.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    private static int lookUpAll(SstReader reader, List<TestEntry> entries, List<TestEntry> firsts, int seed)
            throws IOException {
        Random random = new Random(seed);
        int checked = 0;
        try (LookupScratch scratch = new LookupScratch()) {
            for (int i = 0; i < firsts.size(); i++) {
                TestEntry e = firsts.get(random.nextInt(firsts.size()));
                assertEquals(SstFiles.group(entries, e), SstFiles.lookup(reader, scratch, e.hash(), e.key()));
                checked++;
            }
        }
        return checked;
    }
}
