package io.turbokv.meta;

import io.turbokv.io.Bytes;
import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test helpers: write a meta file, and patch one on disk with a freshly computed trailer. */
final class MetaFiles {
    private MetaFiles() {}

    static void write(Path path, int family, int[] obsoleteSsts, List<MetaEntry> entries, byte[] usedKeyFilter)
            throws IOException {
        try (WritableFile out = FileLayer.standard().create(path)) {
            MetaFileWriter.write(out, family, obsoleteSsts, entries, MemorySegment.ofArray(usedKeyFilter));
        }
    }

    /** Recomputes the CRC-32 trailer of {@code bytes} in place, so that only the structural checks remain. */
    static byte[] resign(byte[] bytes) {
        MemorySegment file = MemorySegment.ofArray(bytes);
        file.set(Bytes.BE_INT, bytes.length - 4, MetaFile.trailerCrc(file, bytes.length - 4));
        return bytes;
    }

    static void rewrite(Path path, byte[] bytes) throws IOException {
        Files.write(path, bytes);
    }

    static MemorySegment filter(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7);
        }
        return MemorySegment.ofArray(bytes);
    }

    /** A {@link WritableFile} over a real one that counts the calls a writer makes. */
    static final class RecordingFile implements WritableFile {
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
