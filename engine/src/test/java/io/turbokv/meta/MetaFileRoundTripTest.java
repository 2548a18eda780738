package io.turbokv.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

class MetaFileRoundTripTest {
    @Property(tries = 300)
    void everyWrittenFileReadsBackFieldForField(
                                                @ForAll @IntRange(min = 0) int family,
                                                @ForAll @Size(max = 40) Set<Integer> obsolete,
                                                @ForAll("entries") List<MetaEntry> entries,
                                                @ForAll("filterBytes") byte[] usedKeyFilter)
            throws IOException {
        int[] obsoleteSsts = obsolete.stream().sorted(Integer::compareUnsigned).mapToInt(Integer::intValue).toArray();
        coverInOneTryOf20("more than 5 entries", entries.size() > 5);
        coverInOneTryOf20("an entry filter over 100 bytes",
                entries.stream().anyMatch(e -> e.filter().byteSize() > 100));
        coverInOneTryOf20("an empty entry filter", entries.stream().anyMatch(e -> e.filter().byteSize() == 0));
        coverInOneTryOf20("more than 3 obsolete SSTs", obsolete.size() > 3);
        coverInOneTryOf20("an empty used-key filter", usedKeyFilter.length == 0);
        coverInOneTryOf20("a non-empty used-key filter", usedKeyFilter.length > 0);
        Path dir = Files.createTempDirectory("meta-round-trip");
        Path path = dir.resolve("00000001.meta");
        try {
            MetaFiles.write(path, family, obsoleteSsts, entries, usedKeyFilter);
            try (MetaFile meta = MetaFile.open(path, 1)) {
                assertEquals(family, meta.family());
                assertArrayEquals(obsoleteSsts, meta.obsoleteSsts());
                assertEquals(entries.size(), meta.entryCount());
                for (int i = 0; i < entries.size(); i++) {
                    MetaFileTest.assertSameEntry(entries.get(i), meta.entry(i));
                }
                assertArrayEquals(usedKeyFilter, meta.usedKeyFilter().toArray(ValueLayout.JAVA_BYTE));
                assertEquals(Files.size(path), meta.byteSize());
            }
        } finally {
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }

    /** Fails the property when a case came up in fewer than 5 % of the tries (the rates seen are 20-50 %). */
    private static void coverInOneTryOf20(String label, boolean happened) {
        Statistics.label(label).collect(happened);
        Statistics.label(label).coverage(coverage -> coverage.check(true).percentage(p -> p >= 5));
    }

    @Provide
    Arbitrary<List<MetaEntry>> entries() {
        Arbitrary<long[]> hashRange = Arbitraries.longs().array(long[].class).ofSize(2)
                .map(hashes -> Long.compareUnsigned(hashes[0], hashes[1]) <= 0 ? hashes
                        : new long[] {hashes[1], hashes[0]});
        Arbitrary<MetaEntry> entry = Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.integers().between(1, MetaEntry.MAX_BLOCK_COUNT),
                hashRange,
                Arbitraries.longs().greaterOrEqual(0),
                Arbitraries.of(0, MetaEntry.COLD, MetaEntry.FRESH, MetaEntry.COLD | MetaEntry.FRESH),
                Arbitraries.longs().greaterOrEqual(0),
                filterBytes())
                .as((seq, blocks, hashes, size, flags, count, filter) -> new MetaEntry(seq, blocks, hashes[0],
                        hashes[1],
                        size, flags, count, MemorySegment.ofArray(filter)));
        return entry.list().ofMaxSize(30);
    }

    /** Filter payloads of 0..300 bytes, empty ones often. */
    @Provide
    Arbitrary<byte[]> filterBytes() {
        return Arbitraries.oneOf(Arbitraries.just(new byte[0]), Arbitraries.bytes().array(byte[].class).ofMaxSize(300));
    }
}
