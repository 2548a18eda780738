package io.turbokv;

import java.nio.file.Path;

/**
 * Another write operation (a write batch or a compaction, automatic ones included) holds the store's single write
 * slot: a write batch or a compaction could not start, at once or within the wait it was given. Nothing was
 * claimed, so nothing is to be released; a later attempt may succeed. {@link TurboKV#tryWriteBatch()} reports the
 * same condition without this exception.
 *
 * <p>Distinct from the other refusals of a write, which are {@link IllegalStateException}s too: a closed store
 * ({@link StoreClosedException}), a read-only one, one whose rollback failed, one whose automatic compaction failed
 * (reported once, with the failure as the cause).
 */
public final class WriteSlotBusyException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The store's directory; not serialised, as {@link Path} is not. */
    private final transient Path directory;
    /** The operation that held the slot. */
    private final String holder;

    /**
     * Reports that {@code holder} held the write slot of the store in {@code directory}.
     *
     * @param directory the store's directory ({@code null} for an in-memory store)
     * @param holder    the operation holding the slot: {@code "write batch"} or {@code "compaction"}
     * @param createdAt where the holding operation was created, when known (a write batch's); else null
     */
    public WriteSlotBusyException(Path directory, String holder, Throwable createdAt) {
        super("Another " + holder + " is already active (only a single write operation is allowed at a time) in "
                + directory, createdAt);
        this.directory = directory;
        this.holder = holder;
    }

    /** {@return the directory of the store ({@code null} for an in-memory store)} */
    public Path directory() {
        return directory;
    }

    /** {@return the operation that held the slot: {@code "write batch"} or {@code "compaction"}} */
    public String holder() {
        return holder;
    }
}
