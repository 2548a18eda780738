package io.turbokv.io;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting on the store's own background tasks. */
public final class Tasks {
    private Tasks() {}

    /**
     * Waits for {@code task}'s result even when interrupted (the interrupt is kept for the caller), and rethrows
     * what the task threw. For tasks that use memory the caller frees next: returning early on an interrupt would
     * free it under them.
     *
     * @param task the task
     * @param <T>  its result's type
     * @return its result
     * @throws IOException the task's {@link IOException}
     */
    public static <T> T awaitUninterruptibly(Future<T> task) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    switch (e.getCause()) {
                        case IOException io -> throw io;
                        case RuntimeException r -> throw r;
                        case Error error -> throw error;
                        default -> throw new IllegalStateException(e.getCause());
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
