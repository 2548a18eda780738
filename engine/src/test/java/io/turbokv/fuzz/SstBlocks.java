package io.turbokv.fuzz;

import io.turbokv.io.Crc32;
import io.turbokv.io.Lz4;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * An SST assembled from block contents, with correct framing: every block gets its header and a CRC-32 that
 * matches, and the file ends with a consistent offset table. What the fuzzer controls is what the blocks say;
 * nothing it writes is stopped by a checksum. The input is a list of records, the last one the index block:
 *
 * <pre>
 * offset  size  field
 * 0       1     flags: bit 0 = LZ4-compress the data (kept only when it gets shorter, as the writer does)
 * 1       2     u16 big-endian data length n (shortened to what the input has left)
 * 3       n     the block's data, uncompressed
 * </pre>
 */
final class SstBlocks {
    static final int COMPRESS = 1;
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SstBlocks() {}

    /** One block's data and whether to compress it. */
    record Block(byte[] data, boolean compress) {}

    /** The blocks an input describes. */
    static List<Block> parse(byte[] input) {
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (at + 3 <= input.length && blocks.size() < 0xFFFF) {
            boolean compress = (input[at] & COMPRESS) != 0;
            int length = Math.min((input[at + 1] & 0xFF) << 8 | input[at + 2] & 0xFF, input.length - at - 3);
            byte[] data = new byte[length];
            System.arraycopy(input, at + 3, data, 0, length);
            blocks.add(new Block(data, compress));
            at += 3 + length;
        }
        return blocks;
    }

    /** The input that describes {@code blocks}, for seeds. */
    static byte[] encode(List<Block> blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Block block : blocks) {
            out.write(block.compress() ? COMPRESS : 0);
            out.write(block.data().length >>> 8);
            out.write(block.data().length);
            out.writeBytes(block.data());
        }
        return out.toByteArray();
    }

    /** The SST file of {@code blocks}: each framed with a matching CRC, then the offset table. */
    static byte[] assemble(List<Block> blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] table = new byte[4 * blocks.size()];
        for (int i = 0; i < blocks.size(); i++) {
            byte[] data = blocks.get(i).data();
            byte[] stored = data;
            int header = 0;
            if (blocks.get(i).compress() && data.length > 0) {
                byte[] compressed = new byte[Lz4.maxCompressedLength(data.length)];
                int length = Lz4.compress(MemorySegment.ofArray(data), MemorySegment.ofArray(compressed));
                if (length < data.length) {
                    stored = java.util.Arrays.copyOf(compressed, length);
                    header = data.length;
                }
            }
            byte[] frame = new byte[8];
            MemorySegment.ofArray(frame).set(BE_INT, 0, header);
            MemorySegment.ofArray(frame).set(BE_INT, 4, Crc32.of(header, MemorySegment.ofArray(stored)));
            out.writeBytes(frame);
            out.writeBytes(stored);
            MemorySegment.ofArray(table).set(BE_INT, 4L * i, out.size());
        }
        out.writeBytes(table);
        return out.toByteArray();
    }
}
