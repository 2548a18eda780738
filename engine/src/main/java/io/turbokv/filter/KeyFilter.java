package io.turbokv.filter;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.turbokv.CorruptionException;
import io.turbokv.io.Bytes;
import io.turbokv.io.Crc32;
import io.turbokv.io.WriteBufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * The per-SST approximate membership filter: a static set of 64-bit key hashes,
 * built once when an SST is closed, stored in the meta file and queried in place in the meta file's bytes (read into
 * memory, or mapped when over the store's copy budget, see {@code MetaFile}).
 * {@link #mayContain} never answers {@code false} for a hash that was built in; for any other hash it answers
 * {@code true} with probability about 2<sup>-8</sup>, or 2<sup>-16</sup> for a filter built with 16-bit
 * fingerprints (a store's {@code DbConfig.Builder.filterFingerprintBits}).
 *
 * <p><b>Choice, by measurement</b> (1,000,000 random keys and 1,000,000 absent probes, fixed seed, as
 * {@code KeyFilterFalsePositiveRateTest} prints): a 3-wise <em>binary fuse filter</em> with 8-bit fingerprints
 * (Graf and Lemire, "Binary Fuse Filters: Fast and Smaller Than Xor Filters", 2022) measures a false-positive rate
 * of 0.39 % at 9.04 bits per key. A blocked Bloom filter, the simplest choice (10 bits per
 * key, k = 7, 512-bit blocks) measured 0.98 % on the same keys in a prototype: 10 % more bits for 2.5 times the
 * false positives. The fuse filter's costs: a query reads three bytes at computed offsets (up to three cache
 * misses, about 9 ns warm, against one for a blocked Bloom filter), building 1,000,000 keys takes 63-82 ms of
 * thread CPU warm and several times that in a JVM's first builds ({@code FilterBuildCpu}), and small sets pay more
 * per key (about 11 bits at 1,000 keys; the smallest body is 12 bytes). The set is static, which is all an
 * immutable SST needs. Not taken: 7-bit fingerprints (bit-packed) would save 1.1 bits per key but double the
 * false positives, and each false positive costs a lookup an SST index and key block read and decompression;
 * the paper's 4-wise variant would save about 0.4 bits per key for a fourth probe. The 16-bit variant is the same
 * construction with two-byte slots: 0.0020 % false positives at 18.09 bits per key (2<sup>-16</sup> is 0.0015 %),
 * for stores whose absent-key reads are frequent and whose filters fit in memory either way.
 *
 * <p><b>Layout</b> (all integers big-endian through {@link Bytes}):
 * <pre>
 * offset          size  field
 * 0               1     tag = {@value #TAG_BINARY_FUSE8}: 3-wise binary fuse filter, 8-bit fingerprints;
 *                       or {@value #TAG_BINARY_FUSE16}: the same with 16-bit fingerprints
 * 1               8     seed: the filter's slots and fingerprint come from mix(hash + seed)
 * 9               1     segment length log2, {@value #MIN_SEGMENT_LENGTH_LOG2}..{@value #MAX_SEGMENT_LENGTH_LOG2}
 * 10              4     segment count, u32; 0 = the empty filter, which has no chunks and contains nothing
 * 14              4     header CRC-32: of bytes [0, 14), then of the chunk CRC table
 * 18              1     all verified: 1 once every chunk was checked in this copy of the filter (absent, as are
 *                       all the fields below, from the empty filter)
 * 19              v     verified bits, v = ceil(c / 8): bit j (byte j / 8, bit j % 8) set once chunk j was checked
 *                       in this copy of the filter; these and "all verified" are written as zeros, and zeroed again
 *                       by {@link #check}
 * 19 + v          4c    chunk CRC table: the CRC-32 of each fingerprint chunk
 * f = 19 + v + 4c n     fingerprints, one byte per slot (two, big-endian, for tag {@value #TAG_BINARY_FUSE16}):
 *                       n = (segment count + 2) * segment length slots, or 0 if empty; chunk j is bytes
 *                       [{@value #CHUNK_BYTES} j, min(n, {@value #CHUNK_BYTES} (j + 1))) of them, c = ceil(n /
 *                       {@value #CHUNK_BYTES}) chunks
 * </pre>
 * A key's three slots lie in three consecutive segments; it is (probably) in the set when the XOR of the three
 * slots equals its own 8-bit (16-bit) fingerprint.
 *
 * <p><b>Verified at first use, a chunk at a time.</b> The meta file's own CRC does not cover its key filters (see
 * {@code MetaFile}): checking a whole 1.1 MB filter at every open cost about 0.6 ms of CPU, nearly all of it the
 * page faults of touching every page of the new mapping (meta files were always mapped then), not the CRC itself (about 40 us). Instead {@link #check}
 * verifies the header CRC when the meta file is taken into a state (which makes every offset a query computes safe),
 * and {@link #mayContain} verifies each {@value #CHUNK_BYTES}-byte chunk of fingerprints the first time one of its
 * slots is read, before it answers: a probe reads three slots, so it checks at most three chunks, each spanning
 * the page the probe touches and usually part of the next (chunks are page-sized, not page-aligned). Each copy of a filter records what it verified in its own verified bits, and sets "all
 * verified" once every chunk was: a steady-state probe then reads one more byte of the header line it reads
 * anyway, and nothing else (a meta file is read into memory of its own or mapped privately: these bytes never reach
 * the file). A damaged chunk
 * is reported as a {@link CorruptionException} naming the file (through {@link FilterOrigins}), the chunk's offset
 * and the expected and found CRC; no answer is ever read from unverified bytes. Racing readers may verify a chunk
 * twice, and a bit lost to a racing plain store only means one more check later; a bit is set only after its chunk
 * matched, "all verified" only after every bit was seen set.
 *
 * <p>Thread-safe: every method is static; a query writes only the verified bits, which say nothing of the set.
 */
public final class KeyFilter {
    /** The tag byte of a 3-wise binary fuse filter with 8-bit fingerprints. */
    public static final int TAG_BINARY_FUSE8 = 0x01;
    /**
     * The tag byte of a 3-wise binary fuse filter with 16-bit fingerprints (0x02 is the used-key filter's: the tags
     * of the filter package stay distinct, so a filter in the wrong place is told by its tag).
     */
    public static final int TAG_BINARY_FUSE16 = 0x03;
    /** The fingerprint width filters are built with unless a store asks for another. */
    public static final int DEFAULT_FINGERPRINT_BITS = 8;

    static final long TAG = 0;
    static final long SEED = 1;
    static final long SEGMENT_LENGTH_LOG2 = 9;
    static final long SEGMENT_COUNT = 10;
    static final long HEADER_CRC = 14;
    static final long ALL_VERIFIED = 18;
    static final long VERIFIED_BITS = 19;
    /** The header's length in bytes; the whole filter when it is empty. */
    static final int HEADER_BYTES = 18;
    /**
     * Fingerprint bytes per chunk, each with its own CRC: the size of a page, so that a first probe verifies about
     * as many bytes as it faults in. Chunks are not page-aligned (nor is the filter in its file): one usually spans
     * two pages, of which the probe needed one.
     */
    static final int CHUNK_BYTES = 4096;
    private static final int CHUNK_SHIFT = 12;
    private static final int CRC_BYTES = 4;

    /** The smallest segment length (log2), used for sets of 0 and 1 key. */
    static final int MIN_SEGMENT_LENGTH_LOG2 = 2;
    /** The largest segment length (log2); the slot formula needs at most 18 hash bits per segment offset. */
    static final int MAX_SEGMENT_LENGTH_LOG2 = 18;

    /** The hash bits that give the second slot's offset within its segment; the third slot uses bits 0..17. */
    private static final int SECOND_SLOT_SHIFT = 18;

    private KeyFilter() {}

    /**
     * Builds the filter for {@code hashes[0, count)}, which may contain duplicates and be in any order, into a
     * segment from {@code allocator}. The array may be reordered (it is sorted to drop duplicates). The
     * construction's scratch (about 32 bytes per key at a spill's size and up, 35 at 1,000 keys, in a buffer
     * rounded up to a power of two) is off-heap and given back before this returns; no object per key. The same
     * set always gives the same bytes, and the same bytes as {@link #buildFromSorted}.
     *
     * @param hashes    the full 64-bit key hashes (XXH64, seed 0)
     * @param count     how many of {@code hashes} to take, from index 0
     * @param allocator where the filter's bytes go
     * @return the filter payload, exactly as long as its layout says
     * @throws IndexOutOfBoundsException if {@code count} is negative or larger than {@code hashes.length}
     */
    public static MemorySegment build(long[] hashes, int count, SegmentAllocator allocator) {
        return build(hashes, count, DEFAULT_FINGERPRINT_BITS, allocator);
    }

    /**
     * As {@link #build(long[], int, SegmentAllocator)}, with fingerprints of {@code fingerprintBits} bits.
     *
     * @param hashes          the full 64-bit key hashes (XXH64, seed 0)
     * @param count           how many of {@code hashes} to take, from index 0
     * @param fingerprintBits 8 or 16
     * @param allocator       where the filter's bytes go
     * @return the filter payload, exactly as long as its layout says
     * @throws IndexOutOfBoundsException if {@code count} is negative or larger than {@code hashes.length}
     * @throws IllegalArgumentException  if {@code fingerprintBits} is neither 8 nor 16
     */
    public static MemorySegment build(long[] hashes, int count, int fingerprintBits, SegmentAllocator allocator) {
        return build(hashes, count, fingerprintBits, allocator, WriteBufferPool.unpooled());
    }

    /**
     * As {@link #build(long[], int, int, SegmentAllocator)}, with the construction's scratch borrowed from
     * {@code scratch} (a store's pool hands back memory already faulted in) and returned before this returns.
     *
     * @param hashes          the full 64-bit key hashes (XXH64, seed 0)
     * @param count           how many of {@code hashes} to take, from index 0
     * @param fingerprintBits 8 or 16
     * @param allocator       where the filter's bytes go
     * @param scratch         where the construction's scratch comes from
     * @return the filter payload, exactly as long as its layout says
     * @throws IndexOutOfBoundsException if {@code count} is negative or larger than {@code hashes.length}
     * @throws IllegalArgumentException  if {@code fingerprintBits} is neither 8 nor 16
     */
    public static MemorySegment build(long[] hashes, int count, int fingerprintBits, SegmentAllocator allocator,
                                      WriteBufferPool scratch) {
        Objects.checkFromIndexSize(0, count, hashes.length);
        checkFingerprintBits(fingerprintBits);
        int size = sortAndDropDuplicates(hashes, count);
        return build(MemorySegment.ofArray(hashes), size, fingerprintBits, allocator, scratch);
    }

    /**
     * Builds the filter for the distinct key hashes of an SST as its writer collects them: {@code sortedHashes}
     * holds 8-byte longs in native byte order ({@link ValueLayout#JAVA_LONG_UNALIGNED}), strictly ascending as
     * unsigned numbers, which makes them distinct without a sort. The hashes are only read; they may live
     * anywhere, on or off the heap. The result is byte for byte what {@link #build(long[], int, SegmentAllocator)}
     * gives for the same set. The construction's scratch (about 32 bytes per key at a spill's size and up, 35 at
     * 1,000 keys, in a buffer rounded up to a power of two) is off-heap and given back before this returns:
     * nothing proportional to the key count is allocated on the heap.
     *
     * @param sortedHashes the full 64-bit key hashes, strictly ascending unsigned; its size is a multiple of 8
     * @param allocator    where the filter's bytes go
     * @return the filter payload, exactly as long as its layout says
     * @throws IllegalArgumentException if the size is not a multiple of 8, there are more than
     *                                  {@link Integer#MAX_VALUE} hashes, or they do not strictly ascend (a
     *                                  duplicate would make the construction fail, an unsorted input hide one)
     */
    public static MemorySegment buildFromSorted(MemorySegment sortedHashes, SegmentAllocator allocator) {
        return buildFromSorted(sortedHashes, DEFAULT_FINGERPRINT_BITS, allocator);
    }

    /**
     * As {@link #buildFromSorted(MemorySegment, SegmentAllocator)}, with fingerprints of {@code fingerprintBits}
     * bits.
     *
     * @param sortedHashes    the full 64-bit key hashes, strictly ascending unsigned; its size is a multiple of 8
     * @param fingerprintBits 8 or 16
     * @param allocator       where the filter's bytes go
     * @return the filter payload, exactly as long as its layout says
     * @throws IllegalArgumentException as {@link #buildFromSorted(MemorySegment, SegmentAllocator)}, or if
     *                                  {@code fingerprintBits} is neither 8 nor 16
     */
    public static MemorySegment buildFromSorted(MemorySegment sortedHashes, int fingerprintBits,
                                                SegmentAllocator allocator) {
        return buildFromSorted(sortedHashes, fingerprintBits, allocator, WriteBufferPool.unpooled());
    }

    /**
     * As {@link #buildFromSorted(MemorySegment, int, SegmentAllocator)}, with the construction's scratch borrowed
     * from {@code scratch} (a store's pool hands back memory already faulted in) and returned before this returns.
     *
     * @param sortedHashes    the full 64-bit key hashes, strictly ascending unsigned; its size is a multiple of 8
     * @param fingerprintBits 8 or 16
     * @param allocator       where the filter's bytes go
     * @param scratch         where the construction's scratch comes from
     * @return the filter payload, exactly as long as its layout says
     * @throws IllegalArgumentException as {@link #buildFromSorted(MemorySegment, int, SegmentAllocator)}
     */
    public static MemorySegment buildFromSorted(MemorySegment sortedHashes, int fingerprintBits,
                                                SegmentAllocator allocator, WriteBufferPool scratch) {
        checkFingerprintBits(fingerprintBits);
        long bytes = sortedHashes.byteSize();
        if (bytes % Long.BYTES != 0 || bytes / Long.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "key hashes segment of %d bytes: expected a multiple of 8 bytes, at most %d hashes", bytes,
                    Integer.MAX_VALUE));
        }
        int size = (int) (bytes / Long.BYTES);
        for (int i = 1; i < size; i++) {
            long previous = sortedHashes.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i - 1);
            long hash = sortedHashes.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
            if (Long.compareUnsigned(previous, hash) >= 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "key hashes must ascend strictly, unsigned: 0x%016x at index %d follows 0x%016x", hash, i,
                        previous));
            }
        }
        return build(sortedHashes, size, fingerprintBits, allocator, scratch);
    }

    /**
     * Checks a fingerprint width.
     *
     * @param fingerprintBits the width asked for
     * @throws IllegalArgumentException if it is neither 8 nor 16
     */
    public static void checkFingerprintBits(int fingerprintBits) {
        if (fingerprintBits != 8 && fingerprintBits != 16) {
            throw new IllegalArgumentException("key filter fingerprint bits: " + fingerprintBits
                    + " (expected: 8 or 16)");
        }
    }

    /** Builds the filter for {@code size} distinct hashes in {@code keys}, in any order. */
    private static MemorySegment build(MemorySegment keys, int size, int fingerprintBits,
                                       SegmentAllocator allocator, WriteBufferPool scratch) {
        int tag = fingerprintBits == 16 ? TAG_BINARY_FUSE16 : TAG_BINARY_FUSE8;
        if (size == 0) {
            MemorySegment filter = allocator.allocate(HEADER_BYTES);
            writeHeader(filter, tag, 0, MIN_SEGMENT_LENGTH_LOG2, 0);
            sign(filter, false);
            return filter;
        }
        int segmentLengthLog2 = segmentLengthLog2(size);
        int segmentCount = segmentCount(size, segmentLengthLog2);
        long bodyBytes = (long) fingerprintCount(segmentLengthLog2, segmentCount) * slotBytes(tag);
        long chunks = chunkCount(bodyBytes);
        long fingerprintsOffset = fingerprintsOffset(chunks);
        MemorySegment filter = allocator.allocate(fingerprintsOffset + bodyBytes);
        // The fingerprints are assigned in place, XOR-ing slots that start at zero, and no chunk is verified yet:
        // an allocator need not zero.
        filter.fill((byte) 0);
        MemorySegment fingerprints = filter.asSlice(fingerprintsOffset, bodyBytes);
        long seed = BinaryFuseBuilder.build(keys, size, segmentLengthLog2, segmentCount, fingerprints,
                tag == TAG_BINARY_FUSE16, scratch);
        writeHeader(filter, tag, seed, segmentLengthLog2, segmentCount);
        sign(filter, true);
        return filter;
    }

    /** Bytes per fingerprint slot of a filter with tag {@code tag}. */
    private static int slotBytes(int tag) {
        return tag == TAG_BINARY_FUSE16 ? Short.BYTES : Byte.BYTES;
    }

    /** The chunks of a body of {@code bodyBytes} fingerprint bytes. */
    private static long chunkCount(long bodyBytes) {
        return (bodyBytes + CHUNK_BYTES - 1) >>> CHUNK_SHIFT;
    }

    /** The chunk CRC table's offset: right after the verified bits of {@code chunks} chunks. */
    private static long crcTableOffset(long chunks) {
        return VERIFIED_BITS + ((chunks + 7) >>> 3);
    }

    /** The fingerprints' offset in a filter of {@code chunks} chunks. */
    private static long fingerprintsOffset(long chunks) {
        return crcTableOffset(chunks) + chunks * CRC_BYTES;
    }

    /** The CRC-32 of chunk {@code chunk} of the {@code bodyBytes} fingerprint bytes at {@code fingerprints}. */
    private static int chunkCrc(MemorySegment filter, long fingerprints, long bodyBytes, long chunk) {
        long start = chunk << CHUNK_SHIFT;
        return Crc32.of(filter.asSlice(fingerprints + start, Math.min(CHUNK_BYTES, bodyBytes - start)));
    }

    /** The header CRC: of the fixed header fields, then of the chunk CRC table (none in the empty filter). */
    private static int headerCrc(MemorySegment filter, long chunks) {
        CRC32 crc = new CRC32();
        crc.update(filter.asSlice(0, HEADER_CRC).asByteBuffer());
        if (chunks > 0) {
            crc.update(filter.asSlice(crcTableOffset(chunks), chunks * CRC_BYTES).asByteBuffer());
        }
        return (int) crc.getValue();
    }

    /**
     * Whether {@code hash} may be in the filter's set: always {@code true} for a member, {@code true} with
     * probability about 0.39 % otherwise (0.0015 % with 16-bit fingerprints). Reads the filter in place and
     * allocates nothing once the chunks its slots lie in were verified; verifies them first otherwise (see the
     * class comment), recording it in the filter's verified bits.
     *
     * @param filter a filter payload that passed {@link #check} (otherwise the answer is meaningless and the read
     *               may go out of bounds); writable, for its verified bits
     * @param hash   the full 64-bit key hash
     * @return {@code false} only if {@code hash} is certainly not in the set
     * @throws CorruptionException when a chunk holding one of the hash's slots does not match its CRC; the message
     *                             names the file ({@link FilterOrigins}), the chunk's offset, the expected and the
     *                             found CRC
     */
    public static boolean mayContain(MemorySegment filter, long hash) throws CorruptionException {
        long segmentCount = Bytes.u32(filter, SEGMENT_COUNT);
        if (segmentCount == 0) {
            return false;
        }
        int segmentLengthLog2 = Bytes.u8(filter, SEGMENT_LENGTH_LOG2);
        long mask = (1L << segmentLengthLog2) - 1;
        long mixed = mix(hash, filter.get(Bytes.BE_LONG, SEED));
        long segmentCountLength = segmentCount << segmentLengthLog2;
        boolean wide = filter.get(JAVA_BYTE, TAG) == TAG_BINARY_FUSE16;
        int slotShift = wide ? 1 : 0;
        long at0 = slot(0, mixed, segmentCountLength, segmentLengthLog2, mask) << slotShift;
        long at1 = slot(1, mixed, segmentCountLength, segmentLengthLog2, mask) << slotShift;
        long at2 = slot(2, mixed, segmentCountLength, segmentLengthLog2, mask) << slotShift;
        long bodyBytes = (segmentCount + 2) << (segmentLengthLog2 + slotShift);
        long chunks = chunkCount(bodyBytes);
        long fingerprints = fingerprintsOffset(chunks);
        // A slot never straddles two chunks: a chunk is a whole number of two-byte slots.
        if (filter.get(JAVA_BYTE, ALL_VERIFIED) == 0) {
            verifyChunks(filter, chunks, fingerprints, bodyBytes, at0, at1, at2);
        }
        if (wide) {
            int xor = fingerprint16(mixed)
                    ^ filter.get(Bytes.BE_SHORT, fingerprints + at0)
                    ^ filter.get(Bytes.BE_SHORT, fingerprints + at1)
                    ^ filter.get(Bytes.BE_SHORT, fingerprints + at2);
            return (short) xor == 0;
        }
        int xor = fingerprint(mixed)
                ^ filter.get(JAVA_BYTE, fingerprints + at0)
                ^ filter.get(JAVA_BYTE, fingerprints + at1)
                ^ filter.get(JAVA_BYTE, fingerprints + at2);
        return (byte) xor == 0;
    }

    /** The verified bit of the chunk holding fingerprint byte {@code at}, in bit 0 of the result. */
    private static int verifiedBit(MemorySegment filter, long at) {
        long chunk = at >>> CHUNK_SHIFT;
        return filter.get(JAVA_BYTE, VERIFIED_BITS + (chunk >>> 3)) >>> (chunk & 7);
    }

    /**
     * The first-use path, out of line (one call site) so that the steady-state probe stays small: verifies the
     * chunks holding fingerprint bytes {@code at0}, {@code at1} and {@code at2} unless they were, then, if it
     * verified one, sets "all verified" when no chunk is left. A probe that verified nothing changed no bit, so it
     * does not look at the others: while a chunk stays unverified (never read, or damaged) probes of verified chunks
     * cost three bit tests, not a walk of every bit. Two probes that verify the last two chunks at once each set
     * their bit before they walk, with a full fence between (as in Dekker's protocol), so at least one of them sees
     * both bits: without it each could miss the other's and "all verified" would stay unset for good, every probe
     * paying three bit tests. A bit lost to a racing write of the same byte only makes a later probe verify its
     * chunk again, and walk.
     */
    private static void verifyChunks(MemorySegment filter, long chunks, long fingerprints, long bodyBytes, long at0,
                                     long at1, long at2)
            throws CorruptionException {
        boolean verified = verifyChunkOf(filter, fingerprints, bodyBytes, at0);
        verified |= verifyChunkOf(filter, fingerprints, bodyBytes, at1);
        verified |= verifyChunkOf(filter, fingerprints, bodyBytes, at2);
        if (!verified) {
            return;
        }
        VarHandle.fullFence();
        if (allChunksVerified(filter, chunks)) {
            filter.set(JAVA_BYTE, ALL_VERIFIED, (byte) 1);
        }
    }

    /** Whether the verified bits of all {@code chunks} chunks are set, compared eight at a time. */
    private static boolean allChunksVerified(MemorySegment filter, long chunks) {
        long fullBytes = chunks >>> 3;
        for (long i = 0; i < fullBytes; i++) {
            if (filter.get(JAVA_BYTE, VERIFIED_BITS + i) != (byte) 0xFF) {
                return false;
            }
        }
        int rest = (int) (chunks & 7);
        int mask = (1 << rest) - 1;
        return rest == 0 || (filter.get(JAVA_BYTE, VERIFIED_BITS + fullBytes) & mask) == mask;
    }

    /**
     * Verifies the chunk holding fingerprint byte {@code at} unless it was; then sets its verified bit.
     *
     * @return whether it verified the chunk now
     */
    private static boolean verifyChunkOf(MemorySegment filter, long fingerprints, long bodyBytes, long at)
            throws CorruptionException {
        if ((verifiedBit(filter, at) & 1) != 0) {
            return false;
        }
        verifyChunk(filter, fingerprints, bodyBytes, at >>> CHUNK_SHIFT);
        return true;
    }

    /** Verifies chunk {@code chunk}, whatever its verified bit says; then sets the bit. */
    private static void verifyChunk(MemorySegment filter, long fingerprints, long bodyBytes, long chunk)
            throws CorruptionException {
        int expected = filter.get(Bytes.BE_INT, crcTableOffset(chunkCount(bodyBytes)) + chunk * CRC_BYTES);
        int found = chunkCrc(filter, fingerprints, bodyBytes, chunk);
        if (found != expected) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key filter chunk %d crc mismatch: expected=0x%08x found=0x%08x", chunk, expected, found),
                    FilterOrigins.fileOf(filter),
                    FilterOrigins.offsetOf(filter, fingerprints + (chunk << CHUNK_SHIFT)));
        }
        long bits = VERIFIED_BITS + (chunk >>> 3);
        filter.set(JAVA_BYTE, bits, (byte) (filter.get(JAVA_BYTE, bits) | (1 << (chunk & 7))));
    }

    /**
     * Verifies every chunk of a filter that passed {@link #check} against its CRC, whatever its verified bits say,
     * and marks them all verified: what first queries would verify over the filter's life, at once, for a check of
     * a whole store ({@code turbokv verify}) that must report a damaged chunk whether or not a query reads it.
     *
     * @param filter a filter payload that passed {@link #check}; writable, for its verified bits
     * @throws CorruptionException when a chunk does not match its CRC; the message names the file
     *                             ({@link FilterOrigins}), the chunk's offset, the expected and the found CRC
     */
    public static void verifyAll(MemorySegment filter) throws CorruptionException {
        long segmentCount = Bytes.u32(filter, SEGMENT_COUNT);
        if (segmentCount == 0) {
            return;
        }
        long bodyBytes = bodyBytes(filter, segmentCount);
        long chunks = chunkCount(bodyBytes);
        long fingerprints = fingerprintsOffset(chunks);
        for (long chunk = 0; chunk < chunks; chunk++) {
            verifyChunk(filter, fingerprints, bodyBytes, chunk);
        }
        filter.set(JAVA_BYTE, ALL_VERIFIED, (byte) 1);
    }

    /** The fingerprint bytes of a non-empty filter with {@code segmentCount} segments. */
    private static long bodyBytes(MemorySegment filter, long segmentCount) {
        int slotShift = filter.get(JAVA_BYTE, TAG) == TAG_BINARY_FUSE16 ? 1 : 0;
        return (segmentCount + 2) << (Bytes.u8(filter, SEGMENT_LENGTH_LOG2) + slotShift);
    }

    /**
     * Validates the payload's tag and parameters against its length, and its header CRC (which covers the chunk
     * CRC table), then clears its verified bits. Called once when the meta file is taken into a state; after it
     * passes, {@link #mayContain} cannot read out of bounds and answers only from chunks that match their CRC.
     *
     * @param filter the payload, exactly the span the meta file gives it; writable when its verified bits may be
     *               set (a filter written after queries), which this clears
     * @param file   the file the payload is in, for the error
     * @param offset the payload's offset in {@code file}, for the error; {@link CorruptionException#NO_OFFSET} when
     *               unknown, which then reports offsets within the payload
     * @throws CorruptionException if the tag is unknown, a parameter is out of range, the length does not match
     *                             the parameters exactly, or the header CRC does not match
     */
    public static void check(MemorySegment filter, Path file, long offset) throws CorruptionException {
        long base = offset == CorruptionException.NO_OFFSET ? 0 : offset;
        long length = filter.byteSize();
        if (length < HEADER_BYTES) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key filter truncated: expected length>=%d found=%d", HEADER_BYTES, length), file, offset);
        }
        int tag = Bytes.u8(filter, TAG);
        if (tag != TAG_BINARY_FUSE8 && tag != TAG_BINARY_FUSE16) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key filter tag: expected=0x%02x or 0x%02x found=0x%02x", TAG_BINARY_FUSE8, TAG_BINARY_FUSE16,
                    tag), file, base + TAG);
        }
        int segmentLengthLog2 = Bytes.u8(filter, SEGMENT_LENGTH_LOG2);
        if (segmentLengthLog2 < MIN_SEGMENT_LENGTH_LOG2 || segmentLengthLog2 > MAX_SEGMENT_LENGTH_LOG2) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key filter segment length log2: expected %d..%d found=%d",
                    MIN_SEGMENT_LENGTH_LOG2, MAX_SEGMENT_LENGTH_LOG2, segmentLengthLog2),
                    file, base + SEGMENT_LENGTH_LOG2);
        }
        long segmentCount = Bytes.u32(filter, SEGMENT_COUNT);
        long bodyBytes = segmentCount == 0 ? 0 : ((segmentCount + 2) << segmentLengthLog2) * slotBytes(tag);
        long chunks = chunkCount(bodyBytes);
        long expected = segmentCount == 0 ? HEADER_BYTES : fingerprintsOffset(chunks) + bodyBytes;
        if (length != expected) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key filter length: expected=%d found=%d (segment count %d, segment length 2^%d)",
                    expected, length, segmentCount, segmentLengthLog2), file, offset);
        }
        int expectedCrc = filter.get(Bytes.BE_INT, HEADER_CRC);
        int foundCrc = headerCrc(filter, chunks);
        if (foundCrc != expectedCrc) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "key filter header crc mismatch: expected=0x%08x found=0x%08x", expectedCrc, foundCrc), file,
                    base + HEADER_CRC);
        }
        MemorySegment verified = segmentCount == 0 ? filter.asSlice(HEADER_BYTES, 0)
                : filter.asSlice(ALL_VERIFIED, crcTableOffset(chunks) - ALL_VERIFIED);
        // Only a filter queried before it was written has these set; writing only then keeps a mapped copy shared.
        for (long i = 0; i < verified.byteSize(); i++) {
            if (verified.get(JAVA_BYTE, i) != 0) {
                verified.fill((byte) 0);
                break;
            }
        }
    }

    /**
     * Recomputes the header CRC of a payload whose tag, segment length and length agree (as {@link #check} wants
     * them), and first every chunk CRC when {@code chunks} is set; leaves any other payload alone, which
     * {@link #check} rejects anyway. The last step of a build; also how tests and fuzz targets make filters of
     * chosen bytes reach the queries (a fuzzer rarely guesses a CRC-32).
     */
    static void sign(MemorySegment filter, boolean chunks) {
        if (filter.byteSize() < HEADER_BYTES) {
            return;
        }
        int tag = Bytes.u8(filter, TAG);
        int segmentLengthLog2 = Bytes.u8(filter, SEGMENT_LENGTH_LOG2);
        if ((tag != TAG_BINARY_FUSE8 && tag != TAG_BINARY_FUSE16) || segmentLengthLog2 < MIN_SEGMENT_LENGTH_LOG2
                || segmentLengthLog2 > MAX_SEGMENT_LENGTH_LOG2) {
            return;
        }
        long segmentCount = Bytes.u32(filter, SEGMENT_COUNT);
        long bodyBytes = segmentCount == 0 ? 0 : bodyBytes(filter, segmentCount);
        long chunkCount = chunkCount(bodyBytes);
        long fingerprints = segmentCount == 0 ? HEADER_BYTES : fingerprintsOffset(chunkCount);
        if (filter.byteSize() != fingerprints + bodyBytes) {
            return;
        }
        if (chunks) {
            long table = crcTableOffset(chunkCount);
            for (long chunk = 0; chunk < chunkCount; chunk++) {
                filter.set(Bytes.BE_INT, table + chunk * CRC_BYTES, chunkCrc(filter, fingerprints, bodyBytes, chunk));
            }
        }
        filter.set(Bytes.BE_INT, HEADER_CRC, headerCrc(filter, chunkCount));
    }

    /** The number of fingerprint slots (body bytes) of a non-empty filter with these parameters. */
    static int fingerprintCount(int segmentLengthLog2, int segmentCount) {
        return Math.toIntExact((segmentCount + 2L) << segmentLengthLog2);
    }

    /**
     * The segment length for {@code size} keys, from the binary fuse paper's reference code: longer segments for
     * larger sets keep construction likely to succeed while the slots per key approach 1.125.
     */
    static int segmentLengthLog2(int size) {
        if (size <= 1) {
            return MIN_SEGMENT_LENGTH_LOG2;
        }
        int log2 = (int) Math.floor(Math.log(size) / Math.log(3.33) + 2.25);
        return Math.clamp(log2, MIN_SEGMENT_LENGTH_LOG2, MAX_SEGMENT_LENGTH_LOG2);
    }

    /** The segment count for {@code size} keys: at least 1.125 slots per key, more for small sets. */
    static int segmentCount(int size, int segmentLengthLog2) {
        double slotsPerKey = size <= 1 ? 0 : Math.max(1.125, 0.875 + 0.25 * Math.log(1_000_000) / Math.log(size));
        long capacity = Math.round(size * slotsPerKey);
        long segments = (capacity + (1L << segmentLengthLog2) - 1) >> segmentLengthLog2;
        return (int) Math.max(1, segments - 2);
    }

    /** Spreads the (already random) key hash under the filter's seed; a bijection for each seed. */
    static long mix(long hash, long seed) {
        long h = hash + seed;
        h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
        h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    /** The 8-bit fingerprint of a mixed hash; it takes bits the slot offsets mostly do not use. */
    static int fingerprint(long mixed) {
        return (int) (mixed ^ (mixed >>> 32)) & 0xFF;
    }

    /** The 16-bit fingerprint of a mixed hash: the 8-bit one's bits and the 8 above them. */
    static int fingerprint16(long mixed) {
        return (int) (mixed ^ (mixed >>> 32)) & 0xFFFF;
    }

    /**
     * Slot {@code which} (0, 1 or 2) of a mixed hash: the first lies in segment {@code mulhi(mixed, count * length)
     * / length}, the other two in the next two segments, each at an offset taken from other hash bits.
     */
    static long slot(int which, long mixed, long segmentCountLength, int segmentLengthLog2, long mask) {
        long first = Math.unsignedMultiplyHigh(mixed, segmentCountLength);
        long offsetBits = switch (which) {
            case 0 -> 0;
            case 1 -> mixed >>> SECOND_SLOT_SHIFT;
            default -> mixed;
        };
        return (first + ((long) which << segmentLengthLog2)) ^ (offsetBits & mask);
    }

    /** Writes the header's fields but its CRC, which {@link #sign} computes once the chunk CRCs are in place. */
    private static void writeHeader(MemorySegment filter, int tag, long seed, int segmentLengthLog2,
                                    int segmentCount) {
        filter.set(JAVA_BYTE, TAG, (byte) tag);
        filter.set(Bytes.BE_LONG, SEED, seed);
        filter.set(JAVA_BYTE, SEGMENT_LENGTH_LOG2, (byte) segmentLengthLog2);
        filter.set(Bytes.BE_INT, SEGMENT_COUNT, segmentCount);
    }

    /** Sorts {@code hashes[0, count)} and moves the distinct values to the front; returns how many there are. */
    private static int sortAndDropDuplicates(long[] hashes, int count) {
        Arrays.sort(hashes, 0, count);
        int distinct = 0;
        for (int i = 0; i < count; i++) {
            if (distinct == 0 || hashes[i] != hashes[distinct - 1]) {
                hashes[distinct++] = hashes[i];
            }
        }
        return distinct;
    }
}
