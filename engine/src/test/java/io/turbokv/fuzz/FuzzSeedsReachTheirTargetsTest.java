package io.turbokv.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.filter.KeyFilter;
import io.turbokv.meta.MetaFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed seed corpora replayed by the default suite must reach the code behind the checksums: a key-filter
 * seed that fails {@link KeyFilter#check}, or a meta seed refused for its format version, tests no query at all.
 */
class FuzzSeedsReachTheirTargetsTest {
    private static final Path FUZZ = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .resolve("src/test/resources/io/turbokv/fuzz");

    @Test
    void everyKeyFilterSeedPassesItsCheck() throws IOException {
        List<String> rejected = new ArrayList<>();
        for (Path seed : seeds("FilterFuzzTestInputs/checkedFiltersAnswerEveryQueryInBounds", "seed-key-filter")) {
            byte[] input = Files.readAllBytes(seed);
            try {
                KeyFilter.check(MemorySegment.ofArray(Arrays.copyOfRange(input, 1, input.length)), seed, 0);
            } catch (CorruptionException e) {
                rejected.add(seed.getFileName() + ": " + e.getMessage());
            }
        }
        assertTrue(rejected.isEmpty(), "seeds that test no query: " + rejected);
    }

    @Test
    void everySignedMetaSeedOpens() throws IOException {
        List<String> refused = new ArrayList<>();
        for (Path seed : seeds("MetaFileFuzzTestInputs/anyBytesOpenAndReadAsAMetaFileOrAreReportedAsDamaged",
                "seed-")) {
            byte[] input = Files.readAllBytes(seed);
            if ((input[0] & MetaFileFuzzTest.SIGN) == 0) {
                continue;
            }
            byte[] file = Arrays.copyOfRange(input, 1, input.length);
            Checksums.signMeta(file, (input[0] & MetaFileFuzzTest.SIGN_CHUNKS) != 0);
            Path copy = Files.createTempFile("seed", ".meta");
            Files.write(copy, file);
            try (MetaFile meta = MetaFile.open(copy, 1)) {
                for (int i = 0; i < meta.entryCount(); i++) {
                    KeyFilter.check(meta.entry(i).filter(), copy, CorruptionException.NO_OFFSET);
                }
            } catch (IOException e) {
                refused.add(seed.getFileName() + ": " + e.getMessage());
            } finally {
                Files.delete(copy);
            }
        }
        assertTrue(refused.isEmpty(), "seeds that never reach the parser: " + refused);
    }

    private static List<Path> seeds(String directory, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(FUZZ.resolve(directory))) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }
}
