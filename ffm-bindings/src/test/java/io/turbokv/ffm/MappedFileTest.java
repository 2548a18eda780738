package io.turbokv.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MappedFileTest {
    @TempDir
    Path dir;

    private Path fileOf(int size) throws IOException {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        return Files.write(dir.resolve("data.bin"), bytes);
    }

    @Test
    void mappingReadsTheFileBytes() throws IOException {
        Path file = fileOf(3 * 4096 + 17);
        try (MappedFile mapped = MappedFile.openReadOnly(file)) {
            assertEquals(3 * 4096 + 17, mapped.byteSize());
            assertEquals((byte) (5000 * 31 + 7), mapped.segment().get(JAVA_BYTE, 5000));
            assertEquals(file, mapped.path());
        }
    }

    @ParameterizedTest
    @EnumSource(Advice.class)
    void everyAdviceOnARealMappingReturns(Advice advice) throws IOException {
        try (MappedFile mapped = MappedFile.openReadOnly(fileOf(5 * 4096 + 3))) {
            mapped.advise(advice);
            mapped.advise(4097, 100, advice);
            // Dropping the pages of a read-only file mapping must not lose data: they reload from the file.
            assertEquals((byte) (12345 * 31 + 7), mapped.segment().get(JAVA_BYTE, 12345));
        }
    }

    @Test
    void madviseOnUnmappedRangeReportsErrnoNameAndText() {
        // Page 1 is never mapped on Linux or macOS (mmap_min_addr, __PAGEZERO).
        IOException e = assertThrows(IOException.class,
                () -> LibC.madvise(LibC.pageSize(), LibC.pageSize(), Advice.WILLNEED, "test-range"));
        String message = e.getMessage();
        assertTrue(message.contains("madvise(") && message.contains("MADV_WILLNEED"), message);
        assertTrue(message.contains("ENOMEM") || message.contains("EINVAL"), message);
        assertTrue(message.contains(LibC.strerror(12)) || message.contains(LibC.strerror(22)), message);
        assertTrue(message.contains("resource=test-range"), message);
    }

    @Test
    void adviceOutsideTheFileIsRejectedBeforeTheCall() throws IOException {
        try (MappedFile mapped = MappedFile.openReadOnly(fileOf(100))) {
            assertThrows(IndexOutOfBoundsException.class, () -> mapped.advise(50, 51, Advice.RANDOM));
        }
    }

    @Test
    void readingAClosedMappingThrowsIllegalStateException() throws IOException {
        MappedFile mapped = MappedFile.openReadOnly(fileOf(8192));
        var segment = mapped.segment();
        var slice = segment.asSlice(4096, 16);
        mapped.close();
        assertFalse(mapped.isOpen());
        assertThrows(IllegalStateException.class, () -> segment.get(JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> slice.get(JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> mapped.advise(Advice.RANDOM));
        mapped.close();
    }

    @Test
    void missingFileGivesNoSuchFileExceptionWithItsPath() {
        Path missing = dir.resolve("missing.sst");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> MappedFile.openReadOnly(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void zeroLengthFileMapsAsEmptySegment() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty"));
        try (MappedFile mapped = MappedFile.openReadOnly(empty)) {
            assertEquals(0, mapped.byteSize());
            mapped.advise(Advice.RANDOM);
            assertThrows(IndexOutOfBoundsException.class, () -> mapped.segment().get(JAVA_BYTE, 0));
        }
    }

    @Test
    void sparseFileBeyondTwoGibibytesReadsItsLastByte() throws IOException {
        Path sparse = dir.resolve("sparse.bin");
        long size = (3L << 30) + 5;
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(size);
            file.seek(size - 1);
            file.write(0x5A);
        }
        try (MappedFile mapped = MappedFile.openReadOnly(sparse)) {
            assertEquals(size, mapped.byteSize());
            assertEquals((byte) 0x5A, mapped.segment().get(JAVA_BYTE, size - 1));
            assertEquals((byte) 0, mapped.segment().get(JAVA_BYTE, 1L << 31));
        }
    }

    @Test
    void nativeAccessIsGrantedUnderJdkFlags() {
        assertTrue(LibC.isNativeAccessEnabled(), "tests run with jdk-flags.txt");
        assertTrue(LibC.isMadviseAvailable());
        assertEquals(0, Long.bitCount(LibC.pageSize()) - 1);
    }

    @Test
    void scopedViewDiesWithItsScopeWhileTheMappingLives() throws IOException {
        try (MappedFile mapped = MappedFile.openReadOnly(fileOf(4096))) {
            java.lang.foreign.MemorySegment view;
            try (java.lang.foreign.Arena scope = java.lang.foreign.Arena.ofConfined()) {
                view = ScopedView.of(mapped.segment().asSlice(100, 10), scope);
                assertEquals((byte) (100 * 31 + 7), view.get(JAVA_BYTE, 0));
            }
            java.lang.foreign.MemorySegment escaped = view;
            assertThrows(IllegalStateException.class, () -> escaped.get(JAVA_BYTE, 0));
            assertEquals((byte) (100 * 31 + 7), mapped.segment().get(JAVA_BYTE, 100));
        }
    }
}
