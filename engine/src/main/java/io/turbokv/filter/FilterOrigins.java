package io.turbokv.filter;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Which file a filter lies in, for the one place that needs it: a {@link KeyFilter} chunk found damaged at its
 * first query, where only the filter's segment is at hand, must still name its file and offset. The owner of a file's
 * bytes in memory (read into memory or mapped) registers them while they are valid ({@link #register}) and closes
 * the registration before it frees or unmaps them, so an address never resolves to a file held there earlier. Only the error path looks anything up; a query never does.
 */
public final class FilterOrigins {
    /** Registered files' bytes by base address. */
    private static final ConcurrentSkipListMap<Long, Registration> REGISTERED = new ConcurrentSkipListMap<>();

    private FilterOrigins() {}

    /**
     * Records that {@code bytes} hold the bytes of {@code file} from offset 0, until the registration closes.
     *
     * @param bytes the file's bytes, read into native memory or mapped
     * @param file  the file's path
     * @return the registration, to close before {@code bytes} are freed or unmapped
     * @throws IllegalArgumentException if {@code bytes} is not native
     */
    public static Registration register(MemorySegment bytes, Path file) {
        if (!bytes.isNative()) {
            throw new IllegalArgumentException("not native memory: " + bytes);
        }
        Registration registration = new Registration(bytes.address(), bytes.byteSize(), file);
        REGISTERED.put(registration.address, registration);
        return registration;
    }

    /** {@return the file {@code filter} lies in, or null when no open registration holds it} */
    static Path fileOf(MemorySegment filter) {
        Registration registration = find(filter);
        return registration == null ? null : registration.file;
    }

    /**
     * {@return the offset in its file of byte {@code at} of {@code filter}, or {@code at} itself when no registration
     * holds it (the offset within the filter)}
     */
    static long offsetOf(MemorySegment filter, long at) {
        Registration registration = find(filter);
        return registration == null ? at : filter.address() - registration.address + at;
    }

    private static Registration find(MemorySegment filter) {
        if (!filter.isNative()) {
            return null;
        }
        Map.Entry<Long, Registration> floor = REGISTERED.floorEntry(filter.address());
        if (floor == null) {
            return null;
        }
        Registration registration = floor.getValue();
        return filter.address() + filter.byteSize() <= registration.address + registration.length ? registration
                : null;
    }

    /** One registered file's bytes; {@link #close()} removes them (idempotent). */
    public static final class Registration implements AutoCloseable {
        private final long address;
        private final long length;
        private final Path file;

        private Registration(long address, long length, Path file) {
            this.address = address;
            this.length = length;
            this.file = file;
        }

        /** Forgets the bytes; call before they are freed or unmapped. */
        @Override
        public void close() {
            REGISTERED.remove(address, this);
        }
    }
}
