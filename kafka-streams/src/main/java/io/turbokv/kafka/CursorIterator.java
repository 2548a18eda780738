package io.turbokv.kafka;

import io.turbokv.Cursor;
import io.turbokv.ReadScope;
import io.turbokv.StoreClosedException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;

/**
 * An ordered read of a {@link TurboKvKeyValueStore}: the committed entries, streamed through an engine
 * {@link Cursor} on a {@link ReadScope} of their own, merged with a copy of the write buffer's entries in the same
 * range (a buffered value replaces the committed one, a buffered tombstone hides it), both in ascending or both in
 * descending unsigned byte order of the key. Nothing is read before the first step, and only one committed entry at
 * a time is copied to the heap.
 *
 * <p>A snapshot, as a RocksDB iterator is: the scope sees the commits made before the read was opened and the copy
 * the writes buffered then, and later writes show in neither. Takes no lock of the store's: the stream thread writes
 * and commits meanwhile. Confined to the thread that opened it (the engine's cursors are); closing the store ends
 * it ({@link #storeClosed}): its next step throws {@link InvalidStateStoreException}, as Kafka's iterators do.
 */
final class CursorIterator extends PeekingIterator<Bytes> {
    private final String storeName;
    private final ReadScope scope;
    private final Cursor cursor;
    private final List<KeyValue<Bytes, byte[]>> buffered;
    private final boolean reverse;
    /** Called once when the iterator ends, so that the store forgets it. */
    private final Runnable onClose;
    private final Thread owner = Thread.currentThread();
    private int nextBuffered;
    /** The cursor's current key, copied, or null when the cursor needs a step (or is done: {@link #cursorDone}). */
    private byte[] cursorKey;
    private boolean cursorDone;
    private boolean closed;
    /** Set by the store's close, maybe on another thread: the owner ends the iterator at its next call. */
    private volatile boolean storeClosed;

    CursorIterator(String storeName, ReadScope scope, Cursor cursor, List<KeyValue<Bytes, byte[]>> buffered,
                   boolean reverse, Runnable onClose) {
        this.storeName = storeName;
        this.scope = scope;
        this.cursor = cursor;
        this.buffered = buffered;
        this.reverse = reverse;
        this.onClose = onClose;
    }

    /**
     * Ends the iterator and frees its scope. Idempotent.
     *
     * @throws IllegalStateException on another thread than the one that opened the iterator (the engine frees a
     *                               scope only on its own thread); the iterator is left as it was, for its owner
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("iterator of store " + storeName + " belongs to thread '"
                    + owner.getName() + "': close it there, not on '" + Thread.currentThread().getName() + "'");
        }
        dropAhead();
        scope.close(); // closes the cursor too
        closed = true;
        onClose.run();
    }

    /**
     * The store is closing: ends the iterator now when called on its own thread, else at its owner's next call
     * (the engine's scope belongs to that thread; meanwhile the engine refuses the cursor's reads).
     */
    void storeClosed() {
        storeClosed = true;
        if (Thread.currentThread() == owner) {
            close();
        }
    }

    @Override
    void checkUsable() {
        if (storeClosed) {
            if (Thread.currentThread() == owner) {
                close();
            }
            throw new InvalidStateStoreException("store " + storeName + " is closed: its iterators ended with it");
        }
        if (closed) {
            throw new InvalidStateStoreException("iterator of store " + storeName + " is closed");
        }
    }

    @Override
    KeyValue<Bytes, byte[]> fetch() {
        try {
            while (true) {
                if (cursorKey == null && !cursorDone) {
                    cursorDone = !cursor.next();
                    cursorKey = cursorDone ? null : cursor.keyBytes();
                }
                KeyValue<Bytes, byte[]> pending = nextBuffered < buffered.size() ? buffered.get(nextBuffered) : null;
                if (pending == null && cursorKey == null) {
                    return null;
                }
                int order;
                if (pending == null || cursorKey == null) {
                    order = pending == null ? -1 : 1;
                } else {
                    order = Arrays.compareUnsigned(cursorKey, pending.key.get());
                    order = reverse ? -order : order;
                }
                if (order < 0) { // the committed entry comes first
                    KeyValue<Bytes, byte[]> committed = KeyValue.pair(Bytes.wrap(cursorKey), cursor.valueBytes());
                    cursorKey = null;
                    return committed;
                }
                nextBuffered++;
                if (order == 0) {
                    cursorKey = null; // the buffer's write replaces the committed entry
                }
                if (pending.value != WriteBuffer.TOMBSTONE) {
                    return pending;
                }
            }
        } catch (StoreClosedException e) {
            close();
            throw new InvalidStateStoreException("store " + storeName + " is closed: its iterators ended with it");
        } catch (IOException e) {
            throw new ProcessorStateException("store " + storeName + ": ordered read failed", e);
        }
    }
}
