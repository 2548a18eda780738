package io.turbokv.io;

import io.turbokv.CorruptionException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * LZ4 block compression (no frame, no size prefix) between {@link MemorySegment}s, through lz4-java on
 * {@link ByteBuffer} views of the segments: a mapped or native segment becomes a direct buffer, so bytes go from
 * the mapping to off-heap memory without passing through the heap.
 *
 * <p>lz4-java's JNI codec is used where it loads (it needs native access, see jdk-flags.txt); otherwise its
 * pure-Java safe codec. Its {@code sun.misc.Unsafe} codec is never chosen: JDK 24+ warns about it. Decompression
 * is always the bounds-checked variant, so damaged input raises {@link CorruptionException}, never a crash.
 *
 * <p>Callers must keep both segments alive for the duration of a call: the JNI codec reads raw addresses.
 */
public final class Lz4 {
    private static final LZ4Factory FACTORY = chooseFactory();
    private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
    private static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();

    private Lz4() {}

    private static LZ4Factory chooseFactory() {
        try {
            return LZ4Factory.nativeInstance();
        } catch (Throwable e) { // no native library for this platform, or native access refused
            return LZ4Factory.safeInstance();
        }
    }

    /** {@return which lz4-java codec is in use, e.g. {@code JNI} or {@code JavaSafe}} */
    public static String implementation() {
        return FACTORY.toString();
    }

    /**
     * The largest compressed size of {@code length} input bytes.
     *
     * @param length the length of the input in bytes
     * @return the capacity a compression target needs so that compression cannot fail
     */
    public static int maxCompressedLength(int length) {
        return COMPRESSOR.maxCompressedLength(length);
    }

    /**
     * Compresses all of {@code source} into the start of {@code target}.
     *
     * @param source the bytes to compress
     * @param target where the compressed bytes go, at least {@link #maxCompressedLength} bytes long
     * @return the compressed length
     * @throws IllegalArgumentException when {@code target} is smaller than {@link #maxCompressedLength}
     */
    public static int compress(MemorySegment source, MemorySegment target) {
        int length = Math.toIntExact(source.byteSize());
        int capacity = (int) Math.min(target.byteSize(), Integer.MAX_VALUE);
        if (capacity < maxCompressedLength(length)) {
            throw new IllegalArgumentException("target: " + capacity + " bytes (expected: >= "
                    + maxCompressedLength(length) + ")");
        }
        return COMPRESSOR.compress(source.asByteBuffer(), 0, length, target.asByteBuffer(), 0, capacity);
    }

    /**
     * Compresses {@code source[sourceOffset, sourceOffset + length)} into {@code target} from
     * {@code targetOffset} on, without wrapping anything: the write path's allocation-free variant of
     * {@link #compress(MemorySegment, MemorySegment)}, for callers that keep one view per buffer. Absolute
     * offsets: neither buffer's position or limit is read or changed. Give views in
     * {@link java.nio.ByteOrder#nativeOrder() native order}: the pure-Java codec (used where JNI does not load)
     * duplicates any other view on every call.
     *
     * @param capacity     the bytes of {@code target} from {@code targetOffset} on that may be written
     * @param source       the bytes to compress
     * @param sourceOffset where the input starts in {@code source}
     * @param length       the input's length in bytes
     * @param target       where the compressed bytes go
     * @param targetOffset where the output starts in {@code target}
     * @return the compressed length
     * @throws IllegalArgumentException when {@code capacity} is smaller than {@link #maxCompressedLength}
     */
    public static int compress(ByteBuffer source, int sourceOffset, int length, ByteBuffer target,
                               int targetOffset, int capacity) {
        if (capacity < maxCompressedLength(length)) {
            throw new IllegalArgumentException("target: " + capacity + " bytes (expected: >= "
                    + maxCompressedLength(length) + ")");
        }
        return COMPRESSOR.compress(source, sourceOffset, length, target, targetOffset, capacity);
    }

    /**
     * Decompresses all of {@code source} into {@code target}, which must come out exactly full.
     *
     * @param file   the file the compressed bytes come from, for the error message
     * @param offset the offset of {@code source} in that file
     * @param source the compressed bytes
     * @param target where the decompressed bytes go; its size is the expected decompressed length
     * @throws CorruptionException when the input is not valid LZ4 or does not decompress to exactly
     *                             {@code target.byteSize()} bytes
     */
    public static void decompress(MemorySegment source, MemorySegment target, Path file, long offset)
            throws CorruptionException {
        decompress(source.asByteBuffer(), 0, Math.toIntExact(source.byteSize()), target.asByteBuffer(),
                Math.toIntExact(target.byteSize()), file, offset);
    }

    /**
     * Decodes {@code source[sourceOffset, sourceOffset + sourceLength)} into {@code target[0, length)}, which it
     * must fill exactly: the lookup path's allocation-free variant of
     * {@link #decompress(MemorySegment, MemorySegment, Path, long)}, whose fresh buffer views escape when handed to
     * the JNI codec (measured: 168 bytes per call). Absolute offsets never touch a buffer's position, so one
     * read-only buffer over a whole mapped file can serve every thread.
     *
     * @param fileOffset   the offset of the compressed bytes in {@code file}, for the error message
     * @param source       the compressed bytes
     * @param sourceOffset where the compressed bytes start in {@code source}
     * @param sourceLength the compressed length in bytes
     * @param target       where the decompressed bytes go
     * @param length       the expected decompressed length, written from the start of {@code target}
     * @param file         the file the compressed bytes come from, for the error message
     * @throws CorruptionException when the input is not valid LZ4 or does not decompress to exactly {@code length}
     *                             bytes
     */
    public static void decompress(ByteBuffer source, int sourceOffset, int sourceLength, ByteBuffer target,
                                  int length, Path file, long fileOffset)
            throws CorruptionException {
        int produced;
        try {
            produced = DECOMPRESSOR.decompress(source, sourceOffset, sourceLength, target, 0, length);
        } catch (LZ4Exception e) {
            throw new CorruptionException("malformed LZ4 data of " + sourceLength + " bytes", file, fileOffset, e);
        }
        if (produced != length) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "LZ4 data decompressed to the wrong length: expected=%d found=%d", length, produced),
                    file, fileOffset);
        }
    }
}
