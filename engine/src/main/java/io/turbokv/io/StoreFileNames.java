package io.turbokv.io;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The names of a store's files: {@code %08d.sst}, {@code .meta}, {@code .blob}, {@code .del}
 * (decimal sequence number, zero-padded to 8 digits, wider when larger), {@code CURRENT}, {@code SCHEMA},
 * {@code LOG} and its previous part {@code LOG.old}, and the lock file {@code .lock}. Sequence numbers are unsigned 32-bit values held in an {@code int}.
 */
public final class StoreFileNames {
    /** The commit point: the last committed sequence number. */
    public static final String CURRENT = "CURRENT";
    /** The store's families, recorded at creation ({@link SchemaFile}). */
    public static final String SCHEMA = "SCHEMA";
    /** The human-readable, append-only log. Never read back. */
    public static final String LOG = "LOG";
    /** The {@link #LOG}'s previous part, which a rotation replaces ({@link StoreLog}). Never read back. */
    public static final String LOG_OLD = "LOG.old";
    /** The lock file held by a writable open. */
    public static final String LOCK = ".lock";

    /** The kinds of numbered files, with their extensions. */
    public enum Kind {
        /** A sorted string table: keys and values. */
        SST(".sst"),
        /** A family's index of SSTs, with their filters. */
        META(".meta"),
        /** One large value. */
        BLOB(".blob"),
        /** A list of sequence numbers whose files are to be deleted. */
        DEL(".del");

        private final String extension;

        Kind(String extension) {
            this.extension = extension;
        }

        /** {@return the extension, with its dot} */
        public String extension() {
            return extension;
        }
    }

    private StoreFileNames() {}

    /**
     * {@return whether {@code name} is the {@code LOG} or its previous part}
     *
     * @param name a file name in a store's directory
     */
    public static boolean isLog(String name) {
        return name.equals(LOG) || name.equals(LOG_OLD);
    }

    /**
     * {@return the file name of sequence number {@code seq} of {@code kind}, e.g. {@code 00000042.sst}}
     *
     * @param kind the kind of file, which gives the extension
     * @param seq  the sequence number, printed unsigned with eight digits at least
     */
    public static String name(Kind kind, int seq) {
        return String.format(Locale.ROOT, "%08d%s", Integer.toUnsignedLong(seq), kind.extension());
    }

    /**
     * {@return the path of file {@code seq} of {@code kind} in {@code directory}}
     *
     * @param directory the store's directory
     * @param kind      the kind of file, which gives the extension
     * @param seq       the sequence number
     */
    public static Path path(Path directory, Kind kind, int seq) {
        return directory.resolve(name(kind, seq));
    }
}
