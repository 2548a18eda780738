package io.turbokv.sst;

import io.turbokv.CorruptionException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * LZ4 block decoding between {@link ByteBuffer}s the caller already holds, addressed by absolute offsets: the
 * lookup path's allocation-free variant of {@link io.turbokv.io.Lz4#decompress}. That method wraps its segments in
 * fresh buffers on every call, and handing them to the JNI codec makes them escape (measured: 168 bytes per
 * call). Here the source is one read-only buffer over the whole mapped file, shared by all threads (absolute
 * offsets never touch its position), and the target is the scratch buffer's own view.
 *
 * <p>Same codec choice as {@link io.turbokv.io.Lz4}: lz4-java's JNI codec where it loads, else its pure-Java safe
 * codec; always the bounds-checked decoder. Both buffers must stay valid for the call (the JNI codec reads raw
 * addresses).
 */
final class Lz4Decoder {
    private static final LZ4SafeDecompressor DECOMPRESSOR = chooseFactory().safeDecompressor();

    private Lz4Decoder() {}

    private static LZ4Factory chooseFactory() {
        try {
            return LZ4Factory.nativeInstance();
        } catch (Throwable e) { // no native library for this platform, or native access refused
            return LZ4Factory.safeInstance();
        }
    }

    /**
     * Decodes {@code source[sourceOffset, sourceOffset + sourceLength)} into {@code target[0, length)}, which it
     * must fill exactly.
     *
     * @param fileOffset the offset of the compressed bytes in {@code file}, for the error message
     */
    static void decompress(ByteBuffer source, int sourceOffset, int sourceLength, ByteBuffer target, int length,
                           Path file, long fileOffset) throws CorruptionException {
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
