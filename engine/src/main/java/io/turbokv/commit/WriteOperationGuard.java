package io.turbokv.commit;

import io.turbokv.StoreClosedException;
import io.turbokv.WriteSlotBusyException;
import java.nio.file.Path;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The single write slot of a store: idle, held by one write operation (a write batch or a
 * compaction), or broken for good after a rollback failed.
 *
 * <p>{@link #claim} takes the slot or throws a {@link WriteSlotBusyException} naming the operation that holds it
 * (with, as its cause, where that operation was created when its {@link Holder} says so); {@link #claim(String,
 * long)} first waits, a bounded time, for the slot to be free, {@link #tryClaim} does not throw when the slot is
 * merely held; {@link #release} gives it back. A failed rollback calls {@link #breakForever}: from then on every claim is
 * refused with the reason, while reads go on. {@link #closeAndAwaitIdle()} refuses every later claim and waits
 * for the operation that holds the slot to give it back, so that a store releases its lock only once no write
 * operation can touch its files any more. Thread-safe.
 */
public final class WriteOperationGuard {
    /** What holds the slot, as far as a refused claim reports it. */
    public interface Holder {
        /** {@return where the operation was created, as a throwable whose stack trace says so} */
        Throwable createdAt();
    }

    private final Path directory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private String activeOperation;
    /** What holds the slot (a write batch's state, for the store's close), or null. */
    private Holder owner;
    private String unrecoverableError;
    private boolean closed;

    /**
     * A free slot of an open, writable store.
     *
     * @param directory the store's directory, named when a claim is refused because the store is closed
     */
    public WriteOperationGuard(Path directory) {
        this.directory = directory;
    }

    /**
     * Claims the slot for {@code operation} ("write batch" or "compaction").
     *
     * @param operation what claims the slot, named in the message of a refused claim
     * @throws WriteSlotBusyException when another operation is active (the cause says where it was created, when
     *                                it is known)
     * @throws IllegalStateException when the store had an unrecoverable error
     * @throws StoreClosedException  when the store is closed or closing
     */
    public void claim(String operation) {
        try {
            claim(operation, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a claim that does not wait cannot be interrupted", e);
        }
    }

    /**
     * Claims the slot for {@code operation}, waiting up to {@code waitNanos} for the operation that holds it to give
     * it back. Threads waiting together get the slot in no particular order.
     *
     * @param operation what claims the slot, named in the message of a refused claim
     * @param waitNanos how long to wait for the slot at most, in nanoseconds; 0 or less does not wait
     * @throws WriteSlotBusyException when another operation still holds the slot after the wait (the cause says
     *                                where it was created, when it is known)
     * @throws IllegalStateException when the store had an unrecoverable error
     * @throws StoreClosedException  when the store is closed or closing
     * @throws InterruptedException  when the thread is interrupted while it waits
     */
    public void claim(String operation, long waitNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = waitNanos;
            while (activeOperation != null && !closed && unrecoverableError == null && remaining > 0) {
                remaining = idle.awaitNanos(remaining);
            }
            if (closed) {
                throw new StoreClosedException(directory, "start a " + operation);
            }
            if (unrecoverableError != null) {
                throw new IllegalStateException("A previous write operation failed with an unrecoverable error;"
                        + " no further writes are possible (" + unrecoverableError + ")");
            }
            if (activeOperation != null) {
                throw new WriteSlotBusyException(directory, activeOperation,
                        owner == null ? null : owner.createdAt());
            }
            activeOperation = operation;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claims the slot for {@code operation} if no other operation holds it.
     *
     * @param operation what claims the slot, named in the message of a refused claim
     * @return whether the slot was free and is now held; false when another operation holds it
     * @throws IllegalStateException when the store had an unrecoverable error
     * @throws StoreClosedException  when the store is closed or closing
     */
    public boolean tryClaim(String operation) {
        lock.lock();
        try {
            if (activeOperation != null && !closed && unrecoverableError == null) {
                return false;
            }
            claim(operation);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Frees the slot. */
    public void release() {
        lock.lock();
        try {
            activeOperation = null;
            owner = null;
            idle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks the store unwritable for good: a rollback could not restore it.
     *
     * @param reason why the store is unwritable, given in every later refusal
     */
    public void breakForever(String reason) {
        lock.lock();
        try {
            activeOperation = null;
            owner = null;
            unrecoverableError = reason;
            idle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses every later claim, and wakes the claims waiting for the slot, which fail: the store is closing. The
     * operation holding the slot, if any, keeps it until it gives it back.
     */
    public void refuseClaims() {
        lock.lock();
        try {
            closed = true;
            idle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses every later claim and waits until the operation holding the slot, if any, gives it back (a commit or
     * a compaction finishing). Uninterruptible: a store must not release its lock while a writer still runs.
     */
    public void closeAndAwaitIdle() {
        lock.lock();
        try {
            closed = true;
            while (activeOperation != null) {
                idle.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records what holds the slot (a write batch's state), for {@link #owner()}: called by the operation that just
     * claimed it. Cleared when the slot is released.
     *
     * @param holder the state of the operation that holds the slot
     */
    public void attach(Holder holder) {
        lock.lock();
        try {
            owner = holder;
        } finally {
            lock.unlock();
        }
    }

    /** {@return what holds the slot, as {@link #attach attached}; null when idle or held without one} */
    public Holder owner() {
        lock.lock();
        try {
            return owner;
        } finally {
            lock.unlock();
        }
    }

    /** {@return whether {@link #breakForever} was called} */
    public boolean isBroken() {
        lock.lock();
        try {
            return unrecoverableError != null;
        } finally {
            lock.unlock();
        }
    }
}
