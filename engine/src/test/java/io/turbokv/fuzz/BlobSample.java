package io.turbokv.fuzz;

import io.turbokv.blob.BlobFile;
import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Two blob files written by {@link BlobFile#write} from known values: one stored as LZ4, one raw. */
final class BlobSample {
    /** A compressible value (its file holds an LZ4 body). */
    static final byte[] COMPRESSIBLE_VALUE = compressible();
    /** A random value (its file holds it raw). */
    static final byte[] RANDOM_VALUE = random();
    static final byte[] COMPRESSIBLE_FILE = write(COMPRESSIBLE_VALUE);
    static final byte[] RANDOM_FILE = write(RANDOM_VALUE);

    private BlobSample() {}

    private static byte[] compressible() {
        byte[] value = new byte[3000];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ((i / 5) % 7);
        }
        return value;
    }

    private static byte[] random() {
        byte[] value = new byte[300];
        new Random(5).nextBytes(value);
        return value;
    }

    /** The bytes of the blob file of {@code value}. */
    static byte[] write(byte[] value) {
        try {
            Path directory = Files.createTempDirectory("turbokv-fuzz-blob-sample-");
            Path path = directory.resolve("00000001.blob");
            try (WritableFile out = FileLayer.standard().create(path)) {
                BlobFile.write(out, MemorySegment.ofArray(value));
            }
            byte[] bytes = Files.readAllBytes(path);
            Files.delete(path);
            Files.delete(directory);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
