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
 * stored in a blob file, once the cursor steps on); none can reach unmapped or freed memory. The cursor sees the
 * scope's state: later commits and compactions neither show up nor wait for it, and the files it reads stay
 * mapped until it closes. Closing the scope closes its cursors. After the store closed, {@link #next()} throws
 * {@link StoreClosedException}.
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
        positioned = scan.next();
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
        if (scan.valueIsBlob()) {
            return scan.valueSegment(); // in the blob's own arena, closed by the next step
        }
        return view(scan.valueSegment(), scan.valueOffset(), scan.valueLength());
    }

    /**
     * {@return a copy of the current key on the heap}
     *
     * @throws IllegalStateException when the cursor is closed or not on an entry
     */
    public byte[] keyBytes() {
        return key().toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * {@return a copy of the current value on the heap}
     *
     * @throws IllegalStateException when the cursor is closed or not on an entry
     */
    public byte[] valueBytes() {
        return value().toArray(ValueLayout.JAVA_BYTE);
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
