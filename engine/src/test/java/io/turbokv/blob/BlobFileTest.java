package io.turbokv.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobFileTest {
    private static final int HEADER = 8;

    @TempDir
    Path dir;

    private Path write(String name, MemorySegment value) throws IOException {
        Path path = dir.resolve(name);
        try (WritableFile out = FileLayer.standard().create(path)) {
            BlobFile.write(out, value);
            assertEquals(Files.size(path), out.position());
        }
        return path;
    }

    private static byte[] read(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return BlobFile.read(path, arena).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Text-like bytes: LZ4 halves them at least. */
    private static byte[] compressible(int length) {
        byte[] bytes = new byte[length];
        byte[] words = "turbo persistence keeps values in blobs ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            bytes[i] = words[(i * 7 / 5) % words.length];
        }
        return bytes;
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private void assertRoundTrip(byte[] value, long expectedFileLength) throws IOException {
        Path path = write("00000001.blob", MemorySegment.ofArray(value));
        if (expectedFileLength >= 0) {
            assertEquals(expectedFileLength, Files.size(path));
        }
        assertArrayEquals(value, read(path));
        Files.delete(path);
    }

    @Test
    void emptyValueIsAHeaderOnly() throws IOException {
        assertRoundTrip(new byte[0], HEADER);
    }

    @Test
    void oneByteValueIsStoredRaw() throws IOException {
        assertRoundTrip(new byte[] {42}, HEADER + 1);
    }

    @Test
    void compressibleValueIsStoredAsLz4() throws IOException {
        byte[] value = compressible(10_000);
        Path path = write("00000002.blob", MemorySegment.ofArray(value));
        assertTrue(Files.size(path) < HEADER + value.length / 2, "file size " + Files.size(path));
        assertArrayEquals(value, read(path));
    }

    @Test
    void incompressibleValueIsStoredRaw() throws IOException {
        assertRoundTrip(random(10_000, 1), HEADER + 10_000);
    }

    @Test
    void compressionThatSavesLessThanAnEighthIsNotKept() throws IOException {
        // Random bytes do not compress; zeros nearly vanish. 10 % zeros saves < 12.5 %, 20 % zeros saves more.
        byte[] tenPercent = random(10_000, 2);
        Arrays.fill(tenPercent, 9_000, 10_000, (byte) 0);
        assertRoundTrip(tenPercent, HEADER + 10_000);
        byte[] twentyPercent = random(10_000, 3);
        Arrays.fill(twentyPercent, 8_000, 10_000, (byte) 0);
        Path path = write("00000003.blob", MemorySegment.ofArray(twentyPercent));
        assertTrue(Files.size(path) < HEADER + 10_000 - 10_000 / 8, "file size " + Files.size(path));
        assertArrayEquals(twentyPercent, read(path));
    }

    @Test
    void oneMebibyteValuesRoundTripFromNativeMemory() throws IOException {
        int length = 1 << 20;
        for (byte[] value : new byte[][] {compressible(length), random(length, 4)}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment nativeValue = arena.allocate(length);
                MemorySegment.copy(MemorySegment.ofArray(value), 0, nativeValue, 0, length);
                Path path = write("00000004.blob", nativeValue);
                assertArrayEquals(value, read(path));
                Files.delete(path);
            }
        }
    }

    @Test
    void valueLivesInTheCallersAllocatorAfterTheFileIsUnmapped() throws IOException {
        byte[] value = compressible(5_000);
        Path path = write("00000005.blob", MemorySegment.ofArray(value));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment read = BlobFile.read(path, arena);
            assertEquals(arena.scope(), read.scope());
            Files.delete(path);
            assertArrayEquals(value, read.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void writerNeitherSyncsNorClosesItsFile() throws IOException {
        Path path = dir.resolve("00000006.blob");
        byte[] value = compressible(2_000);
        try (WritableFile file = FileLayer.standard().create(path)) {
            RecordingFile out = new RecordingFile(file);
            BlobFile.write(out, MemorySegment.ofArray(value));
            assertEquals(0, out.syncs);
            assertEquals(0, out.closes);
        }
        assertArrayEquals(value, read(path));
    }

    @Test
    void missingFileIsNoSuchFileException() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(NoSuchFileException.class, () -> BlobFile.read(dir.resolve("00000099.blob"), arena));
        }
    }

    @Test
    void everyFlippedByteOfACompressedBlobIsACorruptionNamingFileAndOffset() throws IOException {
        sweepFlips(write("00000010.blob", MemorySegment.ofArray(compressible(300))), true);
    }

    @Test
    void everyFlippedByteOfARawBlobIsACorruptionNamingFileAndOffset() throws IOException {
        sweepFlips(write("00000011.blob", MemorySegment.ofArray(random(100, 5))), false);
    }

    private static void sweepFlips(Path path, boolean compressed) throws IOException {
        byte[] good = Files.readAllBytes(path);
        assertEquals(compressed, good.length - HEADER < MemorySegment.ofArray(good).get(Bytes.BE_INT, 0));
        for (int mask : new int[] {0x01, 0x80, 0xFF}) {
            for (int offset = 0; offset < good.length; offset++) {
                byte[] bad = good.clone();
                bad[offset] ^= (byte) mask;
                Files.write(path, bad);
                assertCorruption(path, good.length, "flip 0x" + Integer.toHexString(mask) + " at " + offset);
            }
        }
    }

    @Test
    void everyTruncationIsACorruptionNamingFileAndOffset() throws IOException {
        for (byte[] value : new byte[][] {compressible(300), random(100, 6)}) {
            Path path = write("00000012.blob", MemorySegment.ofArray(value));
            byte[] good = Files.readAllBytes(path);
            for (int length = 0; length < good.length; length++) {
                Files.write(path, Arrays.copyOf(good, length));
                assertCorruption(path, good.length, "truncated to " + length);
            }
            Files.delete(path);
        }
    }

    @Test
    void appendedBytesAreACorruption() throws IOException {
        for (byte[] value : new byte[][] {compressible(300), random(100, 7), new byte[0]}) {
            Path path = write("00000013.blob", MemorySegment.ofArray(value));
            byte[] good = Files.readAllBytes(path);
            Files.write(path, Arrays.copyOf(good, good.length + 1));
            assertCorruption(path, good.length + 1, "one byte appended");
            Files.delete(path);
        }
    }

    @Test
    void lengthAbove2GibMinusOneIsACorruptionEvenWithAValidChecksum() throws IOException {
        Path path = write("00000014.blob", MemorySegment.ofArray(new byte[] {1, 2, 3}));
        byte[] bytes = Files.readAllBytes(path);
        MemorySegment.ofArray(bytes).set(Bytes.BE_INT, 0, Integer.MIN_VALUE);
        Files.write(path, resign(bytes));
        CorruptionException e = assertCorruption(path, bytes.length, "length 2^31");
        assertEquals(0, e.offset());
    }

    @Test
    void compressedBodyOfTheWrongLengthIsACorruptionEvenWithAValidChecksum() throws IOException {
        byte[] value = compressible(1_000);
        Path path = write("00000015.blob", MemorySegment.ofArray(value));
        byte[] good = Files.readAllBytes(path);
        for (int delta : new int[] {-1, 1}) {
            byte[] bad = good.clone();
            MemorySegment.ofArray(bad).set(Bytes.BE_INT, 0, value.length + delta);
            Files.write(path, resign(bad));
            CorruptionException e = assertCorruption(path, bad.length, "length " + delta);
            assertEquals(HEADER, e.offset());
        }
    }

    /** Recomputes the checksum over the length word and the body, so that only the length checks remain. */
    private static byte[] resign(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, 4);
        crc.update(bytes, HEADER, bytes.length - HEADER);
        MemorySegment.ofArray(bytes).set(Bytes.BE_INT, 4, (int) crc.getValue());
        return bytes;
    }

    private static CorruptionException assertCorruption(Path path, long fileLength, String what) {
        CorruptionException e;
        try (Arena arena = Arena.ofConfined()) {
            e = assertThrows(CorruptionException.class, () -> BlobFile.read(path, arena), what);
        }
        assertEquals(path, e.file(), what);
        assertTrue(e.offset() >= 0 && e.offset() <= fileLength, what + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("file=" + path.getFileName() + ", offset=" + e.offset()),
                what + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("expected") || e.getCause() != null, what + ": " + e.getMessage());
        return e;
    }

    /** A {@link WritableFile} over a real one that counts the calls a writer makes. */
    private static final class RecordingFile implements WritableFile {
        private final WritableFile file;
        int writes;
        int syncs;
        int closes;

        RecordingFile(WritableFile file) {
            this.file = file;
        }

        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public void write(MemorySegment bytes) throws IOException {
            writes++;
            file.write(bytes);
        }

        @Override
        public long position() {
            return file.position();
        }

        @Override
        public void sync() {
            syncs++;
        }

        @Override
        public void close() {
            closes++;
        }
    }
}
