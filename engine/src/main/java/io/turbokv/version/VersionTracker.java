package io.turbokv.version;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Publishes immutable store states ({@code S}, e.g. the list of live meta files) to readers, and closes the
 * off-heap resources a state no longer needs only when no reader can still touch them.
 *
 * <p>Each published state is a lease-counted version. A reader {@link #acquire()}s the current version
 * (one CAS, no allocation) and {@link Version#release()}s it when done. {@link #publish} installs a new state and
 * hands over the resources that became unreachable with it (mappings of deleted files, for example): they are
 * closed once the replaced version <em>and every older one</em> has no reader left, because older versions may
 * reference them too. Closing happens on whichever thread releases the last lease.
 *
 * @param <S> the immutable state readers see
 */
public final class VersionTracker<S> {
    private final Consumer<Throwable> closeFailureHandler;
    private final ArrayDeque<Version<S>> retiring = new ArrayDeque<>();
    private volatile Version<S> current;

    /**
     * A tracker whose current version holds {@code initial}.
     *
     * @param initial             the first state
     * @param closeFailureHandler receives what a retired resource's close throws
     */
    public VersionTracker(S initial, Consumer<Throwable> closeFailureHandler) {
        this.closeFailureHandler = closeFailureHandler;
        this.current = new Version<>(this, initial);
    }

    /**
     * Leases the current version; the caller must {@link Version#release()} it exactly once.
     *
     * @return the lease on the current version
     */
    public Version<S> acquire() {
        while (true) {
            Version<S> version = current;
            if (version.tryAcquire()) {
                return version;
            }
            // a version that reached zero leases was replaced; the next read of current sees its successor
            Thread.onSpinWait();
        }
    }

    /** {@return the current state, for the writer only (which never races with another publish)} */
    public S currentState() {
        return current.state;
    }

    /**
     * Installs {@code next} and schedules {@code unreachable} to be closed once every reader of the replaced
     * version and of all older versions has left.
     *
     * @param next        the new state
     * @param unreachable the resources that only the replaced states reach
     */
    public synchronized void publish(S next, List<? extends AutoCloseable> unreachable) {
        Version<S> old = current;
        old.retired = List.copyOf(unreachable);
        current = new Version<>(this, next);
        retiring.addLast(old);
        old.release(); // the tracker's own reference
    }

    /** {@return the number of replaced versions whose resources still wait for readers to leave} */
    public synchronized int pendingVersions() {
        return retiring.size();
    }

    private synchronized void drained() {
        while (!retiring.isEmpty() && retiring.peekFirst().leases.get() == 0) {
            Version<S> version = retiring.pollFirst();
            List<Throwable> failures = new ArrayList<>();
            for (AutoCloseable resource : version.retired) {
                try {
                    resource.close();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }
            failures.forEach(closeFailureHandler);
        }
    }

    /**
     * One published state and its lease count (1 for the tracker while current, plus one per reader).
     *
     * @param <S> the type of the state, as in the tracker
     */
    public static final class Version<S> {
        private final VersionTracker<S> tracker;
        private final S state;
        private final AtomicInteger leases = new AtomicInteger(1);
        private List<? extends AutoCloseable> retired = List.of();

        private Version(VersionTracker<S> tracker, S state) {
            this.tracker = tracker;
            this.state = state;
        }

        /** {@return the state this version published} */
        public S state() {
            return state;
        }

        private boolean tryAcquire() {
            int count;
            do {
                count = leases.get();
                if (count == 0) {
                    return false;
                }
            } while (!leases.compareAndSet(count, count + 1));
            return true;
        }

        /** Gives the lease back. */
        public void release() {
            int left = leases.decrementAndGet();
            if (left == 0) {
                tracker.drained();
            } else if (left < 0) {
                throw new IllegalStateException("version released more often than acquired");
            }
        }
    }
}
