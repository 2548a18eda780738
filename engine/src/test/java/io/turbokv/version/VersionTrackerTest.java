package io.turbokv.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VersionTrackerTest {
    private static final class Flag implements AutoCloseable {
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void close() {
            closed.set(true);
        }
    }

    @Test
    void resourcesCloseOnlyAfterEveryOlderReaderLeft() {
        VersionTracker<String> tracker = new VersionTracker<>("v1", e -> {});
        VersionTracker.Version<String> readerOfV1 = tracker.acquire();
        Flag unreachableAfterV1 = new Flag();
        tracker.publish("v2", List.of(unreachableAfterV1));
        VersionTracker.Version<String> readerOfV2 = tracker.acquire();
        assertEquals("v2", readerOfV2.state());
        Flag unreachableAfterV2 = new Flag();
        tracker.publish("v3", List.of(unreachableAfterV2));

        readerOfV2.release();
        // v2 has no reader, but the older v1 reader may still touch what v2 retired
        assertFalse(unreachableAfterV2.closed.get());
        assertFalse(unreachableAfterV1.closed.get());
        readerOfV1.release();
        assertTrue(unreachableAfterV1.closed.get());
        assertTrue(unreachableAfterV2.closed.get());
        assertEquals(0, tracker.pendingVersions());
    }

    @Test
    void readersRacingWithPublishersNeverTouchClosedMemory() throws Exception {
        record State(MemorySegment segment, long expected) {}
        Arena first = Arena.ofShared();
        MemorySegment initial = first.allocate(64);
        initial.fill((byte) 1);
        VersionTracker<State> tracker = new VersionTracker<>(new State(initial, 1), e -> {});
        AtomicReference<Arena> currentArena = new AtomicReference<>(first);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(4);
        Thread[] readers = new Thread[4];
        for (int t = 0; t < readers.length; t++) {
            readers[t] = Thread.ofPlatform().name("reader-" + t).start(() -> {
                started.countDown();
                while (!stop.get()) {
                    VersionTracker.Version<State> version = tracker.acquire();
                    try {
                        State state = version.state();
                        for (int i = 0; i < 64; i++) {
                            if (state.segment().get(ValueLayout.JAVA_BYTE, i) != (byte) state.expected()) {
                                throw new AssertionError("saw foreign bytes");
                            }
                        }
                        reads.incrementAndGet();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        return;
                    } finally {
                        version.release();
                    }
                }
            });
        }
        started.await();
        for (int round = 2; round < 3000; round++) {
            Arena arena = Arena.ofShared();
            MemorySegment segment = arena.allocate(64);
            segment.fill((byte) round);
            Arena previous = currentArena.getAndSet(arena);
            tracker.publish(new State(segment, (byte) round), List.of(previous::close));
        }
        stop.set(true);
        for (Thread reader : readers) {
            reader.join();
        }
        assertEquals(null, failure.get());
        assertTrue(reads.get() > 0);
        assertEquals(0, tracker.pendingVersions());
    }
}
