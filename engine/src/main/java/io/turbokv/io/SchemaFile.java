package io.turbokv.io;

import io.turbokv.CorruptionException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code SCHEMA} file: the store's families ({@link StoreSchema}), recorded when the store is created, so that
 * every open can check that it reads the store as it was written. All integers are big-endian, in the frame of
 * {@link ControlFileFrame}:
 *
 * <pre>
 * offset  size  field
 * 0       4     magic 0x544B5653 ("TKVS")
 * 4       4     format version = 1
 * 8       4     n = family count, u32, at least 1
 * 12      ...   n family records, in family-index order, each:
 *                 +0      4  L = name length in bytes, u32, at least 1
 *                 +4      L  name, UTF-8, not blank, distinct from the other names
 *                 +4+L    1  kind: 0 single-valued, 1 multi-valued
 *                 +5+L    4  flags, u32: bit 0 = key-ordered (the family's SSTs are ordered by key, not by
 *                            hash); every other bit 0 in this build
 * t       4     CRC-32 of bytes [0, t)
 * </pre>
 *
 * <p>The flags word is the extension point: a build that gives a family a new property sets a bit there (key
 * order was the first, bit 0; builds before it refuse a store with a key-ordered family for that bit, so the
 * format version did not change), and this build refuses a store with a bit it does not know with an {@link IOException} that says so, rather
 * than reading it wrong. Any other field outside these rules, under a checksum that holds, is a
 * {@link CorruptionException}.
 *
 * <p>The file is replaced atomically ({@link AtomicFileReplace}, through the dot-file {@code .SCHEMA.tmp}).
 */
public final class SchemaFile {
    static final int MAGIC = 0x544B_5653;
    static final int FORMAT_VERSION = 1;
    static final long COUNT_OFFSET = 8;
    static final long FAMILIES_OFFSET = 12;
    static final long NAME_LENGTH_SIZE = 4;
    static final long KIND_SIZE = 1;
    static final long FLAGS_SIZE = 4;
    /** The flag bits this build knows. */
    static final int KNOWN_FLAGS = StoreSchema.Family.KEY_ORDERED;
    /** Reads stop here: a longer file is damage, not something to load into memory. */
    private static final long MAX_LENGTH = 16L << 20;
    private static final String KIND = "SCHEMA";

    private SchemaFile() {}

    /**
     * Atomically replaces {@code SCHEMA} in {@code directory} with {@code schema}, durably.
     *
     * @param files     the file operations
     * @param directory the store's directory
     * @param schema    the families to record
     * @throws IllegalArgumentException when a family has flags this build does not know, or a name that is not
     *                                  valid Unicode
     * @throws IOException              when writing, syncing or renaming fails
     */
    public static void write(FileLayer files, Path directory, StoreSchema schema) throws IOException {
        List<byte[]> names = new ArrayList<>();
        long bodyLength = FAMILIES_OFFSET - ControlFileFrame.HEADER_SIZE;
        for (StoreSchema.Family family : schema.families()) {
            if ((family.flags() & ~KNOWN_FLAGS) != 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "family '%s' has flags 0x%08x this build does not know (it knows 0x%08x)", family.name(),
                        family.flags(), KNOWN_FLAGS));
            }
            byte[] name = utf8(family.name());
            names.add(name);
            bodyLength += NAME_LENGTH_SIZE + name.length + KIND_SIZE + FLAGS_SIZE;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = ControlFileFrame.allocate(arena, MAGIC, FORMAT_VERSION, bodyLength);
            bytes.set(Bytes.BE_INT, COUNT_OFFSET, schema.families().size());
            long offset = FAMILIES_OFFSET;
            for (int i = 0; i < names.size(); i++) {
                StoreSchema.Family family = schema.families().get(i);
                byte[] name = names.get(i);
                bytes.set(Bytes.BE_INT, offset, name.length);
                MemorySegment.copy(name, 0, bytes, ValueLayout.JAVA_BYTE, offset + NAME_LENGTH_SIZE, name.length);
                offset += NAME_LENGTH_SIZE + name.length;
                bytes.set(ValueLayout.JAVA_BYTE, offset, (byte) family.kind());
                bytes.set(Bytes.BE_INT, offset + KIND_SIZE, family.flags());
                offset += KIND_SIZE + FLAGS_SIZE;
            }
            ControlFileFrame.seal(bytes);
            AtomicFileReplace.replace(files, directory, StoreFileNames.SCHEMA, bytes);
        }
    }

    /**
     * Reads the schema of the store in {@code directory}.
     *
     * @param directory the store's directory
     * @return the families the store recorded
     * @throws java.nio.file.NoSuchFileException              when the store has no {@code SCHEMA}
     * @throws CorruptionException                            when the file is damaged: the message names it, the
     *                                                        offset, and the expected and found values
     * @throws io.turbokv.UnsupportedFormatVersionException when it is intact but of another format version
     * @throws IOException                                    when a family has flags this build does not know
     *                                                        (a later build wrote the store)
     */
    public static StoreSchema read(Path directory) throws IOException {
        Path path = directory.resolve(StoreFileNames.SCHEMA);
        MemorySegment bytes = ControlFileFrame.read(path, KIND, MAX_LENGTH);
        ControlFileFrame.verify(path, bytes, KIND, MAGIC, FORMAT_VERSION);
        long end = bytes.byteSize() - ControlFileFrame.TRAILER_SIZE;
        if (end < FAMILIES_OFFSET) {
            throw corrupt(path, bytes.byteSize(), "SCHEMA truncated: expected>=%d bytes found=%d",
                    FAMILIES_OFFSET + ControlFileFrame.TRAILER_SIZE, bytes.byteSize());
        }
        long count = Integer.toUnsignedLong(bytes.get(Bytes.BE_INT, COUNT_OFFSET));
        if (count == 0) {
            throw corrupt(path, COUNT_OFFSET, "SCHEMA family count: expected>=1 found=0");
        }
        List<StoreSchema.Family> families = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long offset = FAMILIES_OFFSET;
        for (long i = 0; i < count; i++) {
            long record = offset;
            if (end - offset < NAME_LENGTH_SIZE) {
                throw corrupt(path, offset, "SCHEMA family %d of %d runs past the end of the families at %d", i,
                        count, end);
            }
            long nameLength = Integer.toUnsignedLong(bytes.get(Bytes.BE_INT, offset));
            offset += NAME_LENGTH_SIZE;
            if (nameLength == 0 || end - offset < nameLength + KIND_SIZE + FLAGS_SIZE) {
                throw corrupt(path, record, "SCHEMA family %d name length: expected 1..%d found=%d", i,
                        Math.max(0, end - offset - KIND_SIZE - FLAGS_SIZE), nameLength);
            }
            String name = name(path, bytes.asSlice(offset, nameLength), offset, i);
            offset += nameLength;
            int kind = Byte.toUnsignedInt(bytes.get(ValueLayout.JAVA_BYTE, offset));
            if (kind != StoreSchema.Family.SINGLE_VALUED && kind != StoreSchema.Family.MULTI_VALUED) {
                throw corrupt(path, offset, "SCHEMA family %d '%s' kind: expected 0 (single-valued) or 1"
                        + " (multi-valued) found=%d", i, name, kind);
            }
            offset += KIND_SIZE;
            int flags = bytes.get(Bytes.BE_INT, offset);
            if ((flags & ~KNOWN_FLAGS) != 0) {
                // Intact but from a later build: not a CorruptionException, so nothing treats it as damage.
                throw new IOException(String.format(Locale.ROOT,
                        "SCHEMA family %d '%s' has flags 0x%08x this build does not know (it knows 0x%08x): a later"
                                + " TurboKV gave it a property this build cannot honour (file=%s, offset=%d)",
                        i,
                        name, flags, KNOWN_FLAGS, path.getFileName(), offset));
            }
            offset += FLAGS_SIZE;
            if (!names.add(name)) {
                throw corrupt(path, record, "SCHEMA family %d repeats the name '%s'", i, name);
            }
            families.add(new StoreSchema.Family(name, kind, flags));
        }
        if (offset != end) {
            throw corrupt(path, offset, "SCHEMA families end: expected=%d (the checksum) found=%d", end, offset);
        }
        return new StoreSchema(families);
    }

    private static String name(Path path, MemorySegment bytes, long offset, long family) throws CorruptionException {
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().decode(bytes.asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw new CorruptionException(String.format(Locale.ROOT, "SCHEMA family %d name is not valid UTF-8",
                    family), path, offset, e);
        }
        if (name.isBlank()) {
            throw corrupt(path, offset, "SCHEMA family %d name is blank", family);
        }
        return name;
    }

    private static byte[] utf8(String name) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(name));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("family name '" + name + "' is not valid Unicode", e);
        }
    }

    private static CorruptionException corrupt(Path path, long offset, String format, Object... args) {
        return new CorruptionException(String.format(Locale.ROOT, format, args), path, offset);
    }
}
