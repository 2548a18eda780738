package io.turbokv;

import io.turbokv.read.Lookups;
import io.turbokv.read.RangeScan;
import io.turbokv.store.StoreCore;
import io.turbokv.version.StoreState;
import io.turbokv.version.VersionTracker;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Zero-copy reads against one consistent state of the store: values are {@link MemorySegment} views of the mapped
 * files (or, for compressed blocks and blobs, of memory the scope owns) that stay valid until the scope closes.
 *
 * <pre>{@code
 * try (ReadScope scope = db.readScope()) {
 *     MemorySegment value = scope.get(0, key);   // null when absent
 *     ...                                        // use value freely until close
 * }                                              // value.get(...) now throws IllegalStateException
 * }</pre>
 *
 * <p>The scope holds a lease on the state it was opened against: it sees no later commit, and no file of that
 * state is unmapped while the scope is open, even when a commit or compaction makes it obsolete. Close scopes
 * promptly: an open scope keeps obsolete mappings alive. After {@link #close()}, every view handed out throws
 * {@link IllegalStateException} on access; none can reach unmapped memory.
 *
 * <p>Once the store is closed, the scope's reads throw {@link StoreClosedException}; views it handed out stay
 * readable until the scope closes, and the files behind them stay on disk until then (an obsolete file is deleted
 * only after every scope that could reach it has closed). A scope that has opened a cursor and handed out no view
 * (no {@code get}, {@code getMultiple}, {@link Cursor#key()} or {@link Cursor#value()}: its cursors' entries read
 * through {@link Cursor#keyBytes()} and {@link Cursor#valueBytes()} only, as copies) is ended by the store's close
 * itself, on whatever thread closes the store: its lease is given back there, so the store's files are unmapped
 * then rather than when the scope's own thread comes back to it; that thread's next read throws
 * {@link StoreClosedException} (see {@link Cursor} for the exact rules).
 *
 * <p>A scope belongs to the thread that opened it (its views are confined to that thread).
 */
public final class ReadScope implements AutoCloseable {
    private static final int LEASED = 0;
    private static final int PINNED = 1;
    private static final int RELEASED = 2;
    private final Lookups lookups;
    private final DbConfig config;
    private final AtomicBoolean storeClosed;
    private final Path directory;
    private final VersionTracker.Version<StoreState> version;
    private final Arena arena = Arena.ofConfined();
    private final Holder holder = new Holder();
    /** The cursors open on this scope, closed with it. */
    private final List<Cursor> cursors = new ArrayList<>();
    private final StoreCore core;
    /**
     * Who gives the lease back: {@link #LEASED} until either this scope hands out a view ({@link #PINNED}: then only
     * its own close does) or the scope closes or the store's close ends it ({@link #RELEASED}). One CAS decides
     * between the scope's thread pinning and the closing thread ending it, so a view of mapped memory is never
     * handed out after the store's close unmapped it.
     */
    private final AtomicInteger lease = new AtomicInteger(LEASED);
    /** What the store's close runs ({@link #endedByStoreClose()}), registered with the first cursor. */
    private Runnable closeHook;

    ReadScope(StoreCore core, DbConfig config, Path directory) {
        this.lookups = core.lookups("read");
        this.core = core;
        this.config = config;
        this.storeClosed = core.closedFlag();
        this.directory = directory;
        this.version = core.acquire();
    }

    /**
     * {@return the value of {@code key} in single-valued {@code family}, valid until this scope closes, or
     * {@code null}}
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes
     * @throws IllegalArgumentException when the family does not exist or is multi-valued
     * @throws IllegalStateException    when the scope is closed
     * @throws IOException              when a file cannot be read or is damaged
     */
    public MemorySegment get(int family, MemorySegment key) throws IOException {
        checkOpen();
        pin();
        config.checkKind(family, FamilyKind.SINGLE_VALUE, "get");
        holder.value = null;
        lookups.getScoped(version.state(), family, key, false, holder, arena);
        MemorySegment value = holder.value;
        holder.value = null;
        return value;
    }

    /**
     * As {@link #get(int, MemorySegment)}, for a key in a heap array.
     *
     * @param family the family's index in the store's configuration
     * @param key    the key's bytes
     * @return the value, valid until this scope closes, or {@code null}
     * @throws IOException when a file cannot be read or is damaged
     */
    public MemorySegment get(int family, byte[] key) throws IOException {
        return get(family, MemorySegment.ofArray(key));
    }

    /**
     * Hands every value of {@code key} in multi-valued {@code family} to {@code consumer}; each segment stays valid
     * until this scope closes.
     *
     * @param family   the family's index in the store's configuration
     * @param key      the key's bytes
     * @param consumer receives each value
     * @return how many values were handed over
     * @throws IllegalArgumentException when the family does not exist or is single-valued
     * @throws IOException              when a file cannot be read or is damaged, or the consumer throws
     */
    public int getMultiple(int family, MemorySegment key, ValueConsumer consumer) throws IOException {
        checkOpen();
        pin();
        config.checkKind(family, FamilyKind.MULTI_VALUE, "getMultiple");
        return lookups.getScoped(version.state(), family, key, true, consumer, arena);
    }

    /**
     * Opens a cursor over the entries of key-ordered {@code family} whose keys lie between {@code from} and
     * {@code to}, in ascending unsigned key order, on this scope's state. Either bound may be null for an open end;
     * {@code range(family, null, true, null, true)} walks the whole family. The bounds are read when the cursor
     * opens and during its steps: do not change their bytes while it is open.
     *
     * @param family        the family's index in the store's configuration; a key-ordered family
     * @param from          the lowest key, or null for none
     * @param fromInclusive whether {@code from} itself belongs to the range
     * @param to            the highest key, or null for none
     * @param toInclusive   whether {@code to} itself belongs to the range
     * @return the cursor, positioned before its first entry; close it (closing this scope closes it too)
     * @throws IllegalArgumentException when the family does not exist or is hash-ordered
     * @throws IllegalStateException    when the scope is closed
     * @throws IOException              when a file cannot be mapped
     */
    public Cursor range(int family, MemorySegment from, boolean fromInclusive, MemorySegment to,
                        boolean toInclusive)
            throws IOException {
        return open(family, from, fromInclusive, to, toInclusive, null, false);
    }

    /**
     * As {@link #range(int, MemorySegment, boolean, MemorySegment, boolean)}, walking down: the same entries in
     * descending unsigned key order, from {@code to} (the family's last key when null) down to {@code from}. A
     * multi-valued key's values come in the same order as upwards.
     *
     * @param family        the family's index in the store's configuration; a key-ordered family
     * @param from          the lowest key, or null for none
     * @param fromInclusive whether {@code from} itself belongs to the range
     * @param to            the highest key, where the walk starts, or null for none
     * @param toInclusive   whether {@code to} itself belongs to the range
     * @return the cursor, positioned before its first entry; close it (closing this scope closes it too)
     * @throws IllegalArgumentException when the family does not exist or is hash-ordered
     * @throws IllegalStateException    when the scope is closed
     * @throws IOException              when a file cannot be mapped
     */
    public Cursor rangeReverse(int family, MemorySegment from, boolean fromInclusive, MemorySegment to,
                               boolean toInclusive)
            throws IOException {
        return open(family, from, fromInclusive, to, toInclusive, null, true);
    }

    /**
     * As {@link #rangeReverse(int, MemorySegment, boolean, MemorySegment, boolean)}, with the bounds in heap arrays
     * (either may be null).
     *
     * @param family        the family's index in the store's configuration; a key-ordered family
     * @param from          the lowest key, or null for none
     * @param fromInclusive whether {@code from} itself belongs to the range
     * @param to            the highest key, or null for none
     * @param toInclusive   whether {@code to} itself belongs to the range
     * @return the cursor, positioned before its first entry
     * @throws IOException when a file cannot be mapped
     */
    public Cursor rangeReverse(int family, byte[] from, boolean fromInclusive, byte[] to, boolean toInclusive)
            throws IOException {
        return rangeReverse(family, from == null ? null : MemorySegment.ofArray(from), fromInclusive,
                to == null ? null : MemorySegment.ofArray(to), toInclusive);
    }

    /**
     * As {@link #range(int, MemorySegment, boolean, MemorySegment, boolean)}, with the bounds in heap arrays (either
     * may be null).
     *
     * @param family        the family's index in the store's configuration; a key-ordered family
     * @param from          the lowest key, or null for none
     * @param fromInclusive whether {@code from} itself belongs to the range
     * @param to            the highest key, or null for none
     * @param toInclusive   whether {@code to} itself belongs to the range
     * @return the cursor, positioned before its first entry
     * @throws IOException when a file cannot be mapped
     */
    public Cursor range(int family, byte[] from, boolean fromInclusive, byte[] to, boolean toInclusive)
            throws IOException {
        return range(family, from == null ? null : MemorySegment.ofArray(from), fromInclusive,
                to == null ? null : MemorySegment.ofArray(to), toInclusive);
    }

    /**
     * Opens a cursor over the entries of key-ordered {@code family} whose keys start with {@code prefix}, in
     * ascending unsigned key order, on this scope's state (an empty prefix walks the whole family).
     *
     * @param family the family's index in the store's configuration; a key-ordered family
     * @param prefix the bytes every key of the cursor starts with
     * @return the cursor, positioned before its first entry; close it (closing this scope closes it too)
     * @throws IllegalArgumentException when the family does not exist or is hash-ordered
     * @throws IllegalStateException    when the scope is closed
     * @throws IOException              when a file cannot be mapped
     */
    public Cursor prefix(int family, MemorySegment prefix) throws IOException {
        return open(family, null, true, null, true, Objects.requireNonNull(prefix, "prefix"), false);
    }

    /**
     * As {@link #prefix(int, MemorySegment)}, walking down: the same entries in descending unsigned key order.
     *
     * @param family the family's index in the store's configuration; a key-ordered family
     * @param prefix the bytes every key of the cursor starts with
     * @return the cursor, positioned before its first entry; close it (closing this scope closes it too)
     * @throws IllegalArgumentException when the family does not exist or is hash-ordered
     * @throws IllegalStateException    when the scope is closed
     * @throws IOException              when a file cannot be mapped
     */
    public Cursor prefixReverse(int family, MemorySegment prefix) throws IOException {
        return open(family, null, true, null, true, Objects.requireNonNull(prefix, "prefix"), true);
    }

    /**
     * As {@link #prefixReverse(int, MemorySegment)}, with the prefix in a heap array.
     *
     * @param family the family's index in the store's configuration; a key-ordered family
     * @param prefix the bytes every key of the cursor starts with
     * @return the cursor, positioned before its first entry
     * @throws IOException when a file cannot be mapped
     */
    public Cursor prefixReverse(int family, byte[] prefix) throws IOException {
        return prefixReverse(family, MemorySegment.ofArray(prefix));
    }

    /**
     * As {@link #prefix(int, MemorySegment)}, with the prefix in a heap array.
     *
     * @param family the family's index in the store's configuration; a key-ordered family
     * @param prefix the bytes every key of the cursor starts with
     * @return the cursor, positioned before its first entry
     * @throws IOException when a file cannot be mapped
     */
    public Cursor prefix(int family, byte[] prefix) throws IOException {
        return prefix(family, MemorySegment.ofArray(prefix));
    }

    private Cursor open(int family, MemorySegment from, boolean fromInclusive, MemorySegment to,
                        boolean toInclusive, MemorySegment prefix, boolean reverse)
            throws IOException {
        if (closeHook == null && arena.scope().isAlive()) {
            closeHook = this::endedByStoreClose;
            core.runAtClose(closeHook); // before checkOpen: a close that has run its hooks has set the flag
        }
        checkOpen();
        config.checkKeyOrdered(family, "a cursor");
        RangeScan scan;
        try {
            scan = new RangeScan(lookups.blobs(), version.state(), family,
                    config.family(family).kind() == FamilyKind.MULTI_VALUE, from, fromInclusive, to, toInclusive,
                    prefix, reverse);
        } catch (IllegalStateException e) { // an SST unmapped by the store's close meanwhile
            throw closedDuring(e, "open a cursor");
        }
        Cursor cursor = new Cursor(scan, this, storeClosed, directory);
        cursors.add(cursor);
        return cursor;
    }

    /**
     * {@code failure} (reading memory the store's close unmapped) as the {@link StoreClosedException} it stands
     * for when the store's close ended this scope; else {@code failure} itself.
     */
    RuntimeException closedDuring(RuntimeException failure, String what) {
        if (lease.get() == RELEASED && storeClosed.get()) {
            StoreClosedException closed = new StoreClosedException(directory, what);
            closed.initCause(failure);
            return closed;
        }
        return failure;
    }

    /** {@return whether the store's close ended this scope: its files may be unmapped} */
    boolean endedByStore() {
        return lease.get() == RELEASED && arena.scope().isAlive();
    }

    /**
     * Keeps the lease until this scope closes, before a view of the state's memory is handed out.
     *
     * @throws StoreClosedException when the store's close ended the scope already
     */
    void pin() {
        if (lease.get() != PINNED && !lease.compareAndSet(LEASED, PINNED)) {
            throw new StoreClosedException(directory, "read through a scope");
        }
    }

    /** The store's close, on any thread: gives the lease back unless a view was handed out. */
    private void endedByStoreClose() {
        if (lease.compareAndSet(LEASED, RELEASED)) {
            version.release();
        }
    }

    /** A cursor of this scope closed. */
    void forget(Cursor cursor) {
        cursors.remove(cursor);
    }

    private void checkOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("read scope is closed");
        }
        if (storeClosed.get()) {
            throw new StoreClosedException(directory, "read through a scope");
        }
    }

    /** Ends the scope: its views become inaccessible and its lease on the store's state is given back. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            // before the lease goes: a cursor's views and iterators reach this state's mappings
            for (Cursor cursor : List.copyOf(cursors)) {
                cursor.close();
            }
            arena.close();
            if (closeHook != null) {
                core.forgetAtClose(closeHook);
            }
            if (lease.getAndSet(RELEASED) != RELEASED) {
                version.release();
            }
        }
    }

    private static final class Holder implements ValueConsumer {
        MemorySegment value;

        @Override
        public void accept(MemorySegment segment) {
            value = segment;
        }
    }
}
