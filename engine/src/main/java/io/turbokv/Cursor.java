package io.turbokv;

import io.turbokv.ffm.ScopedView;
import io.turbokv.read.RangeScan;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A pull-based walk over the live entries of a key-ordered family in ascending (or descending) unsigned key order,
 * within a key range or prefix, on the consistent state of the {@link ReadScope} that made it
 * ({@link ReadScope#range}, {@link ReadScope#prefix}, {@link ReadScope#rangeReverse}, {@link ReadScope#prefixReverse}):
 *
 * <pre>{@code
 * try (ReadScope scope = db.readScope();
 *      Cursor cursor = scope.range(family, from, true, to, false)) {
 *     while (cursor.next()) {
 *         use(cursor.key(), cursor.value());   // views, valid until the next step
 *     }
 * }
 * }</pre>
 *
 * <p>Entries: per key, a single-valued family yields its newest value, unless the key's newest entry is a delete;
 * a multi-valued family yields one entry per value (the same key again) down to the key's newest delete, as
 * {@code getMultiple} reads them. A range of {@code m} entries costs {@code O(log n + m)} block reads.
 *
 * <p>Lifetimes: {@link #key()} and {@link #value()} are views of the store's mapped files or of the cursor's own
 * memory, copied nowhere; their contents are defined until the next {@link #next()} (copy what must last longer),
 * and every access through them throws {@link IllegalStateException} once the cursor closes (or, for a value
 * stored in a blob file, once the cursor steps on); none can reach unmapped or freed memory. {@link #keyBytes()} and
 * {@link #valueBytes()} copy the entry to the heap without making a view. The cursor sees the scope's state: later
 * commits and compactions neither show up nor wait for it, and the files it reads stay mapped until it closes.
 * Closing the scope closes its cursors.
 *
 * <p>When the store closes (on any thread): {@link #next()} throws {@link StoreClosedException} from then on.
 * What happens to the files the cursor reads depends on whether its scope handed out views:
 * <ul>
 *   <li>If neither this cursor nor another of its scope made a view ({@link #key()}, {@link #value()}, the scope's
 *       {@code get} or {@code getMultiple}), the store's close ends the scope on the closing thread: the scope's
 *       files are unmapped there and then, whatever thread the cursor belongs to. The cursor's thread never crashes
 *       on them: {@link #next()}, {@link #keyBytes()}, {@link #valueBytes()}, {@link #key()} and {@link #value()}
 *       throw {@link StoreClosedException} (also when the close lands in the middle of a step); {@link #close()}
 *       (still required, on the cursor's thread) frees the cursor's own memory. This is how a cursor read through
 *       copies (as the Kafka Streams stores read) must be used when another thread may close the store.
 *   <li>Else the views stay readable until the cursor closes, and the files stay mapped until the scope closes.
 * </ul>
 *
 * <p>A cursor belongs to the thread that opened its scope; another thread's call throws
 * {@link WrongThreadException}.
 */
public final class Cursor implements AutoCloseable {
    private final RangeScan scan;
    private final ReadScope scope;
    private final AtomicBoolean storeClosed;
    private final Path directory;
    private final Thread owner = Thread.currentThread();
    /** The views' lifetime: closed with the cursor, so no view outlives the memory behind it. */
    private final Arena arena = Arena.ofConfined();
    private boolean positioned;

    Cursor(RangeScan scan, ReadScope scope, AtomicBoolean storeClosed, Path directory) {
        this.scan = scan;
        this.scope = scope;
        this.storeClosed = storeClosed;
        this.directory = directory;
    }

    /**
     * Moves to the next entry.
     *
     * @return false when the range has no entry left
     * @throws IllegalStateException when the cursor (or its scope) is closed
     * @throws StoreClosedException  when the store was closed
     * @throws WrongThreadException  when called from another thread than the cursor's
     * @throws IOException           when a file cannot be read or is damaged
     */
    public boolean next() throws IOException {
        checkOpen();
        if (storeClosed.get()) {
            throw new StoreClosedException(directory, "read through a cursor");
        }
        try {
            positioned = scan.next();
        } catch (RuntimeException e) { // the store's close unmapped a file during the step
            positioned = false;
            throw scope.closedDuring(e, "read through a cursor");
        }
        return positioned;
    }

    /**
     * {@return the current entry's key: a view whose contents are defined until the next step, inaccessible once the
     * cursor closes}
     *
     * @throws IllegalStateException when the cursor is closed or not on an entry
     */
    public MemorySegment key() {
        checkPositioned();
        scope.pin();
        return view(scan.keySegment(), scan.keyOffset(), scan.keyLength());
    }

    /**
     * {@return the current entry's value: a view whose contents are defined until the next step, inaccessible once
     * the cursor closes (a value stored in a blob file: once the cursor steps on)}
     *
     * @throws IllegalStateException when the cursor is closed or not on an entry
     */
    public MemorySegment value() {
        checkPositioned();
        scope.pin();
        if (scan.valueIsBlob()) {
            return scan.valueSegment(); // in the blob's own arena, closed by the next step
        }
        return view(scan.valueSegment(), scan.valueOffset(), scan.valueLength());
    }

    /**
     * {@return a copy of the current key on the heap} Makes no view (see the class comment on the store's close).
     *
     * @throws IllegalStateException when the cursor is closed or not on an entry
     * @throws StoreClosedException  when the store's close ended the cursor's scope
     */
    public byte[] keyBytes() {
        checkPositioned();
        return copy(scan.keySegment(), scan.keyOffset(), scan.keyLength());
    }

    /**
     * {@return a copy of the current value on the heap} Makes no view (see the class comment on the store's close).
     *
     * @throws IllegalStateException when the cursor is closed or not on an entry
     * @throws StoreClosedException  when the store's close ended the cursor's scope
     */
    public byte[] valueBytes() {
        checkPositioned();
        return copy(scan.valueSegment(), scan.valueOffset(), scan.valueLength());
    }

    /**
     * {@code segment[offset, offset + length)} on the heap: the mapping itself, whose unmapping by the store's close
     * makes the copy throw, never crash, or the cursor's own memory, which only its close frees.
     */
    private byte[] copy(MemorySegment segment, long offset, long length) {
        if (scope.endedByStore()) {
            throw new StoreClosedException(directory, "read through a cursor");
        }
        try {
            byte[] copy = new byte[Math.toIntExact(length)];
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, copy, 0, copy.length);
            return copy;
        } catch (IllegalStateException e) {
            throw scope.closedDuring(e, "read through a cursor");
        }
    }

    /**
     * {@code segment[offset, offset + length)}, scoped to the cursor's arena unless it is on the heap: the memory
     * stays allocated and mapped until the arena closes ({@link #close()}). Through {@link ScopedView}, the one
     * restricted call of the engine, in the module that is granted native access.
     */
    private MemorySegment view(MemorySegment segment, long offset, long length) {
        return ScopedView.of(segment.asSlice(offset, length), arena);
    }

    private void checkPositioned() {
        checkOpen();
        if (!positioned) {
            throw new IllegalStateException("the cursor is not on an entry: call next() first, and only while it"
                    + " returns true");
        }
    }

    private void checkOpen() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("a cursor belongs to the thread that opened it: " + owner.getName());
        }
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("cursor is closed");
        }
    }

    /**
     * Ends the cursor: its views become inaccessible and its memory is freed. Idempotent; its scope stays open.
     *
     * @throws WrongThreadException when called from another thread than the cursor's
     */
    @Override
    public void close() {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("a cursor belongs to the thread that opened it: " + owner.getName());
        }
        if (arena.scope().isAlive()) {
            positioned = false;
            arena.close(); // first: no view may outlive the memory scan.close() frees
            scan.close();
            scope.forget(this);
        }
    }
}
