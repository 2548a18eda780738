package io.turbokv.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Splits {@code [0, count)} into one contiguous range per thread and runs them on named platform threads. */
final class Parallel {
    /** Work on the entries {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(long from, long to) throws IOException;
    }

    private Parallel() {}

    /**
     * Runs {@code work} on {@code threads} threads and waits for all of them.
     *
     * @throws IOException the first failure of any thread (the others' are suppressed into it)
     */
    static void run(String name, int threads, long count, Range work) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long from = count * t / threads;
            long to = count * (t + 1) / threads;
            Thread thread = new Thread(() -> {
                try {
                    work.run(from, to);
                } catch (IOException | RuntimeException | Error e) {
                    if (!failure.compareAndSet(null, e)) {
                        failure.get().addSuppressed(e);
                    }
                }
            }, "turbokv-" + name + "-" + t);
            thread.start();
            started.add(thread);
        }
        try {
            for (Thread thread : started) {
                thread.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the " + name + " threads");
        }
        Throwable first = failure.get();
        switch (first) {
            case null -> {}
            case IOException io -> throw io;
            case UncheckedIOException unchecked -> throw unchecked.getCause();
            case RuntimeException runtime -> throw runtime;
            case Error error -> throw error;
            default -> throw new IllegalStateException(first);
        }
    }
}
