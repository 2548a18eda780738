package io.turbokv.meta;

import io.turbokv.CorruptionException;
import io.turbokv.UnsupportedFormatVersionException;
import io.turbokv.ffm.Advice;
import io.turbokv.ffm.LibC;
import io.turbokv.filter.FilterOrigins;
import io.turbokv.filter.KeyFilter;
import io.turbokv.io.Bytes;
import io.turbokv.io.MetaCopyBudget;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * An open meta file ({@code %08d.meta}), read into memory (or mapped privately when large or beyond the store's
 * budget) and verified when
 * opened, all but its key filters, which verify themselves at their first use ({@link KeyFilter}). All integers are
 * big-endian (turbo-persistence's layout, with a header and checksums of TurboKV's own):
 *
 * <pre>
 * offset          size     field
 * 0               4        magic 0x544B564D ("TKVM")
 * 4               1        format version = 5 (also the format of the SSTs the file lists, see below)
 * 5               1        codec of the listed SSTs' blocks = 1 (LZ4)
 * 6               4        family index (u32, below 2^31)
 * 10              4        n = obsolete SST count
 * 14              4 × n    obsolete SST seqs, u32, strictly ascending
 * e = 14 + 4n     4        m = entry count
 * e + 4           54 × m   entry headers, one per {@link MetaEntry}:
 *                            +0   4  SST seq
 *                            +4   2  block count, 1..65535
 *                            +6   8  min hash
 *                            +14  8  max hash (unsigned, not below min hash)
 *                            +22  8  SST file size
 *                            +30  4  flags: bit 0 COLD, bit 1 FRESH, bit 2 KEY_RANGE, all others 0
 *                            +34  8  SST entry count
 *                            +42  4  filter end, relative to the filter region (non-decreasing)
 *                            +46  4  min key end, relative to the key region (not below the max key end
 *                                    of entry i-1, or 0)
 *                            +50  4  max key end, relative to the key region (not below the min key end)
 * u = e + 4 + 54m 4        used-key filter end, relative to the filter region; equals k
 * r = u + 4       k        filter region: entry i's filter spans [end(i-1) or 0, end(i)),
 *                          then the used-key filter spans [end(m-1) or 0, k) (empty when equal)
 * r + k           q        key region, q = max key end of entry m-1 (0 without entries): entry i's lowest key
 *                          spans [max key end(i-1) or 0, min key end(i)), its highest key
 *                          [min key end(i), max key end(i)); both empty unless its KEY_RANGE flag is set
 * r + k + q       4        CRC-32 of bytes [0, r), then of [r + end(m-1), r + k + q): every byte but the entries'
 *                          key filters, which carry CRCs of their own
 * </pre>
 *
 * <p>KEY_RANGE is set on the entries of key-ordered SSTs ({@link MetaEntry#keyRange()}): a cursor over a range of
 * keys opens only the SSTs whose key range meets it, and compaction merges only SSTs whose key ranges overlap.
 *
 * <p>SST files have no header of their own (they are read only through a meta file that lists them), so this
 * version byte is the SST format's version too: 2 changed the SSTs' key blocks (every key block stores its
 * hashes, and values of up to 128 bytes are stored inline next to their key); 3 changed the key blocks of
 * key-ordered SSTs (they store search words where the others store hashes, see the SST's key block); 4 added the
 * key ranges of key-ordered SSTs to the meta entries (and so to this file's layout); 5 took the key filters out of
 * the trailer's CRC (each filter's header CRC is checked when a store takes the file into a state, each 4 KiB chunk
 * at its first query, see {@link KeyFilter}), which also changed the filters' layout. A store of an
 * older version is refused as a whole at open, naming both versions, rather than failing at its first lookup.
 *
 * <p>The magic, the version byte and the CRC-32 trailer keep their places in every format version, so this build
 * tells an intact file of an older version (whose trailer covers every byte) from a damaged one. Not the other way:
 * a format-4 build checks the trailer over the key filters too, so it sees a format-5 file as damaged (a CRC
 * mismatch), not as foreign. The Rust format has no checksum, so a flipped hash there
 * silently hides keys; here {@link #open} checks the trailer before it believes any field, then checks every
 * count, offset and field against the file length and the format's rules. The key filters are left out of the
 * trailer because verifying them whole was most of an open's CPU (the page faults of touching every page of a
 * 1.1 MB filter region, docs/perf/open-and-filter.md); the trailer still covers their ends, so a damaged filter
 * can only fail its own checks, never move another's bytes.
 *
 * <p>A file of up to {@link #COPY_MAX_BYTES} is read whole into memory of its own ({@code malloc}, not zeroed: the
 * read fills every byte handed out) when the store's {@link MetaCopyBudget} has room for it, and mapped otherwise:
 * the budget (4 MiB by default, given back as copies close) bounds what an open reads and what a store holds in
 * copies, whatever the number of meta files (manual compaction leaves one per family and commit). Measured on a
 * warm open + first get + close (bench {@code FirstGets}, thread CPU, docs/perf/open-and-filter.md), the read alone
 * was cheaper at 1.16 MB (1,000,000 keys: 10-12 % less CPU for the open and first get, 8-18 % for the close) and at
 * 123 KB (100,000 keys: 12-16 % and 36-40 %, but measured with a zeroed copy, not this {@code malloc} one; a later
 * run of main against both of that change's parts gave 6-7 % and 18-22 %). Cold opens were not measured. A file
 * mapping costs {@code mmap}, {@code madvise}, one page fault per page touched (no fault-around under
 * {@link Advice#RANDOM}), the copy of each page a verified bit is written to, and at close {@code munmap}, whose
 * page-table teardown and TLB shootdown outweigh the copy (which {@code malloc} may itself serve with an anonymous
 * mapping when large). A copy also cannot fault (SIGBUS) if the file is truncated behind the store's back. Above the
 * threshold or beyond the budget a mapping keeps the memory in the page cache, which the kernel may reclaim, and
 * leaves the filter pages no probe reaches unread.
 *
 * <p>A mapping is private (copy-on-write) because the key filters' verified bits are written in place: the file
 * itself is never written, and a page is copied only when a query first sets a bit on it. The JDK maps a file
 * privately only through a channel opened for writing too; a file that open refuses (another user's store, a
 * read-only file system: any {@link java.nio.file.FileSystemException} but a missing file) is read whole into memory
 * of the file's own instead, whose filters verify themselves the same way. The used-key filter is handed out
 * read-only, as nothing may write it.
 *
 * <p>Thread-safe after {@link #open}: the parsed header lives in arrays and the file's bytes are only read, but for the
 * key filters' verified bytes, which {@link KeyFilter} alone writes. Whoever opens a {@code MetaFile} closes it,
 * after making sure no reader still uses it or a filter sliced from it.
 */
public final class MetaFile implements AutoCloseable {
    static final int MAGIC = 0x544B_564D;
    static final int FORMAT_VERSION = 5;
    static final int CODEC_LZ4 = 1;

    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 4;
    static final long CODEC_OFFSET = 5;
    static final long FAMILY_OFFSET = 6;
    static final long OBSOLETE_COUNT_OFFSET = 10;
    static final long OBSOLETE_LIST_OFFSET = 14;
    static final long OBSOLETE_SEQ_SIZE = 4;
    static final long COUNT_SIZE = 4;

    static final long ENTRY_SST_SEQ = 0;
    static final long ENTRY_BLOCK_COUNT = 4;
    static final long ENTRY_MIN_HASH = 6;
    static final long ENTRY_MAX_HASH = 14;
    static final long ENTRY_SST_SIZE = 22;
    static final long ENTRY_FLAGS = 30;
    static final long ENTRY_ENTRY_COUNT = 34;
    static final long ENTRY_FILTER_END = 42;
    static final long ENTRY_MIN_KEY_END = 46;
    static final long ENTRY_MAX_KEY_END = 50;
    static final long ENTRY_SIZE = 54;
    /** The on-disk flag of an entry with a key range; {@link MetaEntry#flags()} never has it. */
    static final int KEY_RANGE_FLAG = 4;

    static final long USED_KEY_FILTER_END_SIZE = 4;
    static final long TRAILER_SIZE = 4;
    /** Header of a file with no obsolete SSTs, no entries and no filters, plus the trailer. */
    static final long MIN_FILE_SIZE = OBSOLETE_LIST_OFFSET + COUNT_SIZE + USED_KEY_FILTER_END_SIZE + TRAILER_SIZE;
    /** The largest meta file: filter ends are u32, and the checksum reads the file as one buffer. */
    static final long MAX_FILE_SIZE = Integer.MAX_VALUE;
    /**
     * The largest file {@link #open(Path, int, MetaCopyBudget)} reads into memory of its own instead of mapping: 2 MiB,
     * the meta file of a family of about 1,800,000 keys at 8-bit fingerprints, or about 900,000 at 16-bit (see the
     * class comment).
     */
    static final long COPY_MAX_BYTES = 2L << 20;

    /**
     * The CRC-32 of {@code file}'s bytes {@code [0, skipStart)} then {@code [skipEnd, trailer)}: the trailer's
     * checksum, with the key filters' span {@code [skipStart, skipEnd)} left out.
     */
    static int checksum(MemorySegment file, long skipStart, long skipEnd, long trailer) {
        CRC32 crc = new CRC32();
        crc.update(file.asSlice(0, skipStart).asByteBuffer());
        crc.update(file.asSlice(skipEnd, trailer - skipEnd).asByteBuffer());
        return (int) crc.getValue();
    }

    /**
     * The CRC the trailer at {@code trailer} of {@code file} must hold: of every byte before it but the entries' key
     * filters. Their span comes from the counts and the last filter end, fields the CRC covers, so damage to them is
     * a mismatch too; a span they put outside the file is taken as empty.
     */
    static int trailerCrc(MemorySegment file, long trailer) {
        long start = trailer;
        long end = trailer;
        if (trailer >= OBSOLETE_LIST_OFFSET) {
            long headersStart = OBSOLETE_LIST_OFFSET + OBSOLETE_SEQ_SIZE * Bytes.u32(file, OBSOLETE_COUNT_OFFSET)
                    + COUNT_SIZE;
            if (headersStart <= trailer) {
                long count = Bytes.u32(file, headersStart - COUNT_SIZE);
                long regionStart = headersStart + ENTRY_SIZE * count + USED_KEY_FILTER_END_SIZE;
                if (count > 0 && regionStart <= trailer) {
                    long filtersEnd = Bytes.u32(file, regionStart - USED_KEY_FILTER_END_SIZE - ENTRY_SIZE
                            + ENTRY_FILTER_END);
                    if (filtersEnd <= trailer - regionStart) {
                        start = regionStart;
                        end = regionStart + filtersEnd;
                    }
                }
            }
        }
        return checksum(file, start, end, trailer);
    }

    private final Path path;
    private final int seq;
    /** The mapping's (or the copy's) arena, which this object alone owns and closes. */
    private final Arena arena;
    private final MemorySegment bytes;
    /** The budget the copy was taken from, and how much of it; 0 when mapped. */
    private final MetaCopyBudget budget;
    private final long budgeted;
    private final FilterOrigins.Registration origin;
    private final int family;
    private final int[] obsoleteSsts;
    private final int[] sstSeqs;
    private final int[] blockCounts;
    private final long[] minHashes;
    private final long[] maxHashes;
    private final long[] sstSizes;
    private final int[] flags;
    private final long[] entryCounts;
    private final MemorySegment[] filters;
    private final MetaEntry.KeyRange[] keyRanges;
    private final MemorySegment usedKeyFilter;

    private MetaFile(Path path, int seq, Arena arena, MemorySegment bytes, MetaCopyBudget budget, long budgeted,
                     FilterOrigins.Registration origin, Parser parsed) {
        this.path = path;
        this.seq = seq;
        this.arena = arena;
        this.bytes = bytes;
        this.budget = budget;
        this.budgeted = budgeted;
        this.origin = origin;
        this.family = parsed.family;
        this.obsoleteSsts = parsed.obsoleteSsts;
        this.sstSeqs = parsed.sstSeqs;
        this.blockCounts = parsed.blockCounts;
        this.minHashes = parsed.minHashes;
        this.maxHashes = parsed.maxHashes;
        this.sstSizes = parsed.sstSizes;
        this.flags = parsed.flags;
        this.entryCounts = parsed.entryCounts;
        this.filters = parsed.filters;
        this.keyRanges = parsed.keyRanges;
        this.usedKeyFilter = parsed.usedKeyFilter;
    }

    /**
     * Opens {@code path} on its own, with a {@link MetaCopyBudget} of its own: read into memory of its own when it is
     * of up to {@link #COPY_MAX_BYTES}, mapped otherwise. For a file opened alone (tests, tools); a store's meta files
     * share the store's budget ({@link #open(Path, int, MetaCopyBudget)}).
     *
     * @param path the meta file
     * @param seq  its sequence number, kept for {@link #seq()}
     * @return the open file, which the caller closes
     * @throws IOException as {@link #open(Path, int, MetaCopyBudget)}
     */
    public static MetaFile open(Path path, int seq) throws IOException {
        return open(path, seq, new MetaCopyBudget(COPY_MAX_BYTES));
    }

    /**
     * Reads {@code path} into memory of its own (a file of up to {@link #COPY_MAX_BYTES} that fits in what is left
     * of {@code budget}, which the file takes until {@link #close()}) or maps it privately ({@link Advice#RANDOM}),
     * and verifies it: length, magic, CRC-32 trailer over every byte but the key filters, format version, codec, then
     * every count, offset and field.
     *
     * @param path   the meta file
     * @param seq    its sequence number, kept for {@link #seq()}
     * @param budget the bytes of meta files the store may still hold in copies
     * @return the open file, which the caller closes
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     * @throws CorruptionException               on any damage; the message names the file, the offset, and the
     *                                           expected and found values
     * @throws IOException                       when the file was written by another format version (the message
     *                                           names both versions), or cannot be read or mapped
     */
    public static MetaFile open(Path path, int seq, MetaCopyBudget budget) throws IOException {
        return open(path, seq, COPY_MAX_BYTES, budget);
    }

    /**
     * As {@link #open(Path, int)}, with a file of up to {@code copyMaxBytes} read into memory of its own and a larger
     * one mapped, and no budget ({@code Long.MAX_VALUE} reads any file, as when this process may not write it, which
     * tests cannot otherwise arrange: root writes any file; -1 maps any file this process may write).
     */
    static MetaFile open(Path path, int seq, long copyMaxBytes) throws IOException {
        return open(path, seq, copyMaxBytes, new MetaCopyBudget(Long.MAX_VALUE));
    }

    private static MetaFile open(Path path, int seq, long copyMaxBytes, MetaCopyBudget budget) throws IOException {
        Objects.requireNonNull(budget, "budget");
        Arena arena = Arena.ofShared();
        FilterOrigins.Registration origin = null;
        Loaded loaded = null;
        boolean success = false;
        try {
            loaded = load(path, arena, copyMaxBytes, budget);
            origin = FilterOrigins.register(loaded.bytes, path);
            MetaFile file = new MetaFile(path, seq, arena, loaded.bytes, budget, loaded.budgeted, origin,
                    new Parser(path, loaded.bytes).parse());
            success = true;
            return file;
        } finally {
            if (!success) {
                if (origin != null) {
                    origin.close();
                }
                arena.close();
                if (loaded != null) {
                    budget.giveBack(loaded.budgeted);
                }
            }
        }
    }

    /** A file's bytes, and how many of them it took from its budget (0 when they are mapped). */
    private record Loaded(MemorySegment bytes, long budgeted) {}

    /**
     * The whole file in {@code arena}, through one open of it: a copy when it is small and fits in {@code budget}, a
     * private mapping otherwise, and a copy whatever its size when this process may not write it (see the class).
     */
    private static Loaded load(Path path, Arena arena, long copyMaxBytes, MetaCopyBudget budget) throws IOException {
        FileChannel writable = openWritable(path);
        if (writable == null) {
            // Outside the budget: such a file cannot be mapped privately. A file that cannot be read either fails
            // this open, with the OS's reason.
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                return new Loaded(read(channel, channel.size(), path, arena), 0);
            }
        }
        try (FileChannel channel = writable) {
            long size = channel.size();
            if (size <= copyMaxBytes && budget.tryTake(size)) {
                boolean read = false;
                try {
                    Loaded copy = new Loaded(read(channel, size, path, arena), size);
                    read = true;
                    return copy;
                } finally {
                    if (!read) {
                        budget.giveBack(size);
                    }
                }
            }
            if (size == 0) {
                return new Loaded(arena.allocate(0), 0);
            }
            MemorySegment bytes = channel.map(FileChannel.MapMode.PRIVATE, 0, size, arena);
            LibC.madvise(bytes.address(), size, Advice.RANDOM, path.toString());
            return new Loaded(bytes, 0);
        }
    }

    /**
     * {@return {@code path} opened for reading and writing, as the JDK maps a file privately only through such a
     * channel; {@code null} when this process may not write it}
     */
    private static FileChannel openWritable(Path path) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (FileSystemException e) {
            // Not writable here, for whatever reason the OS gives (EACCES, EROFS, EPERM, each in the JDK's own
            // exception type or wording): reading needs no write access, so the caller takes the copy.
            return null;
        }
    }

    /** The first {@code size} bytes of {@code channel} (fewer if it shrank meanwhile) read into {@code arena}. */
    private static MemorySegment read(FileChannel channel, long size, Path path, Arena arena) throws IOException {
        if (size > MAX_FILE_SIZE) {
            throw new CorruptionException(String.format(Locale.ROOT,
                    "meta file too long: expected<=%d bytes found=%d", MAX_FILE_SIZE, size), path, MAX_FILE_SIZE);
        }
        // not zeroed (malloc): only the bytes read below are ever handed out
        MemorySegment bytes = LibC.malloc(Math.max(size, 1), arena).asSlice(0, size);
        ByteBuffer buffer = bytes.asByteBuffer();
        while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
            // a file that shrank meanwhile is caught by the length checks
        }
        return bytes.asSlice(0, buffer.position());
    }

    /** {@return whether the file is mapped rather than read into memory of its own} For tests of the choice. */
    boolean isMapped() {
        return bytes.isMapped();
    }

    /** {@return this file's sequence number, as given to {@link #open}} */
    public int seq() {
        return seq;
    }

    /** {@return the family this file belongs to, as its index in the store's configuration} */
    public int family() {
        return family;
    }

    /** {@return the meta file's path} */
    public Path path() {
        return path;
    }

    /** {@return how many SST entries the file lists} */
    public int entryCount() {
        return sstSeqs.length;
    }

    /**
     * {@return entry {@code i}; its filter is a slice of the file's bytes, valid until {@link #close()}}
     *
     * @param i the entry's index, in file order
     * @throws IndexOutOfBoundsException when {@code i} is not in {@code [0, entryCount())}
     */
    public MetaEntry entry(int i) {
        Objects.checkIndex(i, sstSeqs.length);
        return new MetaEntry(sstSeqs[i], blockCounts[i], minHashes[i], maxHashes[i], sstSizes[i], flags[i],
                entryCounts[i], filters[i], keyRanges[i]);
    }

    /** {@return the SSTs this file makes obsolete, ascending (unsigned); a fresh copy} */
    public int[] obsoleteSsts() {
        return obsoleteSsts.clone();
    }

    /**
     * {@return the used-key filter, a slice of the file's bytes (empty when no key was read); valid until {@link #close()}}
     */
    public MemorySegment usedKeyFilter() {
        return usedKeyFilter;
    }

    /** {@return the file's length in bytes} */
    public long byteSize() {
        return bytes.byteSize();
    }

    /**
     * Unmaps or frees the file's bytes (giving a copy's back to its budget); later access to a filter slice throws {@link IllegalStateException}.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            origin.close();
            arena.close();
            budget.giveBack(budgeted);
        }
    }

    @Override
    public String toString() {
        return "MetaFile(" + path.getFileName() + ", family=" + family + ", " + sstSeqs.length + " entries)";
    }

    /** Verifies a meta file's bytes (read or mapped) and reads them into arrays; one use. */
    private static final class Parser {
        private final Path path;
        private final MemorySegment bytes;
        private final long length;

        int family;
        int[] obsoleteSsts;
        int[] sstSeqs;
        int[] blockCounts;
        long[] minHashes;
        long[] maxHashes;
        long[] sstSizes;
        int[] flags;
        long[] entryCounts;
        MemorySegment[] filters;
        MetaEntry.KeyRange[] keyRanges;
        MemorySegment usedKeyFilter;

        Parser(Path path, MemorySegment bytes) {
            this.path = path;
            this.bytes = bytes;
            this.length = bytes.byteSize();
        }

        Parser parse() throws IOException {
            verifyFrame();
            family = readFamily();
            long position = readObsoleteList();
            position = readEntries(position);
            readFilters(position);
            return this;
        }

        /** Length, magic, checksum, version and codec: nothing else is read before these hold. */
        private void verifyFrame() throws IOException {
            if (length < MIN_FILE_SIZE) {
                throw corrupt(length, "meta file truncated: expected>=%d bytes found=%d", MIN_FILE_SIZE, length);
            }
            if (length > MAX_FILE_SIZE) {
                throw corrupt(MAX_FILE_SIZE, "meta file too long: expected<=%d bytes found=%d", MAX_FILE_SIZE,
                        length);
            }
            int magic = bytes.get(Bytes.BE_INT, MAGIC_OFFSET);
            if (magic != MAGIC) {
                throw corrupt(MAGIC_OFFSET, "not a meta file, magic mismatch: expected=0x%08x found=0x%08x", MAGIC,
                        magic);
            }
            long trailer = length - TRAILER_SIZE;
            int expectedCrc = bytes.get(Bytes.BE_INT, trailer);
            int version = Bytes.u8(bytes, VERSION_OFFSET);
            int foundCrc = trailerCrc(bytes, trailer);
            // Versions up to 4 checksummed every byte before the trailer: an intact file of one is foreign, not
            // damaged.
            if (foundCrc != expectedCrc && version != FORMAT_VERSION
                    && checksum(bytes, trailer, trailer, trailer) == expectedCrc) {
                foundCrc = expectedCrc;
            }
            if (foundCrc != expectedCrc) {
                String versionNote = version == FORMAT_VERSION ? ""
                        : String.format(Locale.ROOT, " (format version byte found=%d, this build reads %d)", version,
                                FORMAT_VERSION);
                throw corrupt(trailer, "meta file crc mismatch: expected=0x%08x found=0x%08x%s", expectedCrc, foundCrc,
                        versionNote);
            }
            if (version != FORMAT_VERSION) {
                // Intact but foreign: not a CorruptionException, so nothing treats it as damage to repair.
                throw new UnsupportedFormatVersionException(path, version, List.of((long) FORMAT_VERSION));
            }
            int codec = Bytes.u8(bytes, CODEC_OFFSET);
            if (codec != CODEC_LZ4) {
                throw corrupt(CODEC_OFFSET, "unknown codec: expected=%d (LZ4) found=%d", CODEC_LZ4, codec);
            }
        }

        private int readFamily() throws CorruptionException {
            long value = Bytes.u32(bytes, FAMILY_OFFSET);
            if (value > Integer.MAX_VALUE) {
                throw corrupt(FAMILY_OFFSET, "family index out of range: expected<=%d found=%d", Integer.MAX_VALUE,
                        value);
            }
            return (int) value;
        }

        /** Reads the obsolete list; returns the offset of the entry count. */
        private long readObsoleteList() throws CorruptionException {
            long count = Bytes.u32(bytes, OBSOLETE_COUNT_OFFSET);
            long fits = (length - MIN_FILE_SIZE) / OBSOLETE_SEQ_SIZE;
            if (count > fits) {
                throw corrupt(OBSOLETE_COUNT_OFFSET, "obsolete SST count exceeds the file: expected<=%d found=%d",
                        fits, count);
            }
            obsoleteSsts = new int[(int) count];
            for (int i = 0; i < count; i++) {
                long offset = OBSOLETE_LIST_OFFSET + OBSOLETE_SEQ_SIZE * i;
                obsoleteSsts[i] = bytes.get(Bytes.BE_INT, offset);
                if (i > 0 && Integer.compareUnsigned(obsoleteSsts[i - 1], obsoleteSsts[i]) >= 0) {
                    throw corrupt(offset, "obsolete SST list not strictly ascending: expected>%d found=%d",
                            Integer.toUnsignedLong(obsoleteSsts[i - 1]), Integer.toUnsignedLong(obsoleteSsts[i]));
                }
            }
            return OBSOLETE_LIST_OFFSET + OBSOLETE_SEQ_SIZE * count;
        }

        /** Reads the entry headers from {@code countOffset}; returns the offset of the used-key filter end. */
        private long readEntries(long countOffset) throws CorruptionException {
            long count = Bytes.u32(bytes, countOffset);
            long headersStart = countOffset + COUNT_SIZE;
            long fits = (length - headersStart - USED_KEY_FILTER_END_SIZE - TRAILER_SIZE) / ENTRY_SIZE;
            if (count > fits) {
                throw corrupt(countOffset, "entry count exceeds the file: expected<=%d found=%d", fits, count);
            }
            int n = (int) count;
            sstSeqs = new int[n];
            blockCounts = new int[n];
            minHashes = new long[n];
            maxHashes = new long[n];
            sstSizes = new long[n];
            flags = new int[n];
            entryCounts = new long[n];
            for (int i = 0; i < n; i++) {
                readEntry(i, headersStart + ENTRY_SIZE * i);
            }
            return headersStart + ENTRY_SIZE * count;
        }

        private void readEntry(int i, long at) throws CorruptionException {
            sstSeqs[i] = bytes.get(Bytes.BE_INT, at + ENTRY_SST_SEQ);
            blockCounts[i] = Bytes.u16(bytes, at + ENTRY_BLOCK_COUNT);
            if (blockCounts[i] == 0) {
                throw corrupt(at + ENTRY_BLOCK_COUNT, "entry %d block count: expected=1..%d found=0", i,
                        MetaEntry.MAX_BLOCK_COUNT);
            }
            minHashes[i] = bytes.get(Bytes.BE_LONG, at + ENTRY_MIN_HASH);
            maxHashes[i] = bytes.get(Bytes.BE_LONG, at + ENTRY_MAX_HASH);
            if (Long.compareUnsigned(minHashes[i], maxHashes[i]) > 0) {
                throw corrupt(at + ENTRY_MIN_HASH, "entry %d min hash above max hash: expected<=0x%016x found=0x%016x",
                        i, maxHashes[i], minHashes[i]);
            }
            sstSizes[i] = bytes.get(Bytes.BE_LONG, at + ENTRY_SST_SIZE);
            if (sstSizes[i] < 0) {
                throw corrupt(at + ENTRY_SST_SIZE, "entry %d SST size: expected>=0 found=%s", i,
                        Long.toUnsignedString(sstSizes[i]));
            }
            flags[i] = bytes.get(Bytes.BE_INT, at + ENTRY_FLAGS);
            if ((flags[i] & ~(MetaEntry.KNOWN_FLAGS | KEY_RANGE_FLAG)) != 0) {
                throw corrupt(at + ENTRY_FLAGS, "entry %d unknown flags: expected=0x%x bits only found=0x%08x", i,
                        MetaEntry.KNOWN_FLAGS | KEY_RANGE_FLAG, flags[i]);
            }
            entryCounts[i] = bytes.get(Bytes.BE_LONG, at + ENTRY_ENTRY_COUNT);
            if (entryCounts[i] < 0) {
                throw corrupt(at + ENTRY_ENTRY_COUNT, "entry %d entry count: expected>=0 found=%s", i,
                        Long.toUnsignedString(entryCounts[i]));
            }
        }

        /**
         * Checks the filter ends against the region that follows the used-key filter end, then slices it; reads the
         * key ranges that follow it.
         */
        private void readFilters(long usedKeyEndOffset) throws CorruptionException {
            long regionStart = usedKeyEndOffset + USED_KEY_FILTER_END_SIZE;
            long headersStart = usedKeyEndOffset - ENTRY_SIZE * sstSeqs.length;
            long keyRegionLength = sstSeqs.length == 0 ? 0
                    : Bytes.u32(bytes, headersStart + ENTRY_SIZE * (sstSeqs.length - 1) + ENTRY_MAX_KEY_END);
            long regionLength = length - TRAILER_SIZE - regionStart - keyRegionLength;
            if (regionLength < 0) {
                throw corrupt(headersStart + ENTRY_SIZE * (sstSeqs.length - 1) + ENTRY_MAX_KEY_END,
                        "entry %d max key end beyond the file: expected<=%d found=%d", sstSeqs.length - 1,
                        length - TRAILER_SIZE - regionStart, keyRegionLength);
            }
            readKeyRanges(headersStart, regionStart + regionLength, keyRegionLength);
            long usedKeyEnd = Bytes.u32(bytes, usedKeyEndOffset);
            if (usedKeyEnd != regionLength) {
                throw corrupt(usedKeyEndOffset,
                        "used-key filter end is not the filter region's end: expected=%d found=%d", regionLength,
                        usedKeyEnd);
            }
            filters = new MemorySegment[sstSeqs.length];
            long start = 0;
            for (int i = 0; i < filters.length; i++) {
                long endOffset = headersStart + ENTRY_SIZE * i + ENTRY_FILTER_END;
                long end = Bytes.u32(bytes, endOffset);
                if (end < start || end > regionLength) {
                    throw corrupt(endOffset, "entry %d filter end out of range: expected=%d..%d found=%d", i, start,
                            regionLength, end);
                }
                filters[i] = bytes.asSlice(regionStart + start, end - start);
                start = end;
            }
            // Only the key filters are written (their verified bits); nothing may write the rest of the file.
            usedKeyFilter = bytes.asSlice(regionStart + start, regionLength - start).asReadOnly();
        }

        /**
         * Reads each entry's key range from the key region at {@code keyRegionStart}: its ends must not decrease,
         * be empty without the KEY_RANGE flag, and give a max key not below the min key.
         */
        private void readKeyRanges(long headersStart, long keyRegionStart, long keyRegionLength)
                throws CorruptionException {
            keyRanges = new MetaEntry.KeyRange[sstSeqs.length];
            long start = 0;
            for (int i = 0; i < keyRanges.length; i++) {
                long minEndOffset = headersStart + ENTRY_SIZE * i + ENTRY_MIN_KEY_END;
                long minEnd = Bytes.u32(bytes, minEndOffset);
                long maxEnd = Bytes.u32(bytes, minEndOffset + 4);
                boolean ranged = (flags[i] & KEY_RANGE_FLAG) != 0;
                if (minEnd < start || maxEnd < minEnd || maxEnd > keyRegionLength || (!ranged && maxEnd != start)) {
                    throw corrupt(minEndOffset, "entry %d key ends: expected %d <= min <= max <= %d%s found=%d, %d",
                            i, start, keyRegionLength, ranged ? "" : " (no KEY_RANGE flag: both equal to " + start
                                    + ")",
                            minEnd, maxEnd);
                }
                flags[i] &= ~KEY_RANGE_FLAG;
                if (ranged) {
                    byte[] min = bytes.asSlice(keyRegionStart + start, minEnd - start).toArray(ValueLayout.JAVA_BYTE);
                    byte[] max = bytes.asSlice(keyRegionStart + minEnd, maxEnd - minEnd)
                            .toArray(ValueLayout.JAVA_BYTE);
                    if (Arrays.compareUnsigned(min, max) > 0) {
                        throw corrupt(keyRegionStart + start,
                                "entry %d key range: expected max key >= min key (unsigned) found max below min", i);
                    }
                    keyRanges[i] = new MetaEntry.KeyRange(min, max);
                }
                start = maxEnd;
            }
        }

        private CorruptionException corrupt(long offset, String format, Object... args) {
            return new CorruptionException(String.format(Locale.ROOT, format, args), path, offset);
        }
    }
}
