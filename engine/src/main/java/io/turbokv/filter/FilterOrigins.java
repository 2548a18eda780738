package io.turbokv.filter;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Which file a mapped filter lies in, for the one place that needs it: a {@link KeyFilter} chunk found damaged at its
 * first query, where only the filter's segment is at hand, must still name its file and offset. The owner of a
 * mapping registers it while it is open ({@link #register}) and closes the registration before it unmaps, so an
 * address never resolves to a file mapped there earlier. Only the error path looks anything up; a query never does.
 */
public final class FilterOrigins {
    /** Registered mappings by base address. */
    private static final ConcurrentSkipListMap<Long, Registration> MAPPINGS = new ConcurrentSkipListMap<>();

    private FilterOrigins() {}

    /**
     * Records that {@code mapping} holds the bytes of {@code file} from offset 0, until the registration closes.
     *
     * @param mapping the mapped file, native
     * @param file    the file's path
     * @return the registration, to close before the mapping is unmapped
     * @throws IllegalArgumentException if {@code mapping} is not native
     */
    public static Registration register(MemorySegment mapping, Path file) {
        if (!mapping.isNative()) {
            throw new IllegalArgumentException("not a mapping: " + mapping);
        }
        Registration registration = new Registration(mapping.address(), mapping.byteSize(), file);
        MAPPINGS.put(registration.address, registration);
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
        Map.Entry<Long, Registration> floor = MAPPINGS.floorEntry(filter.address());
        if (floor == null) {
            return null;
        }
        Registration registration = floor.getValue();
        return filter.address() + filter.byteSize() <= registration.address + registration.length ? registration
                : null;
    }

    /** One registered mapping; {@link #close()} removes it (idempotent). */
    public static final class Registration implements AutoCloseable {
        private final long address;
        private final long length;
        private final Path file;

        private Registration(long address, long length, Path file) {
            this.address = address;
            this.length = length;
            this.file = file;
        }

        /** Forgets the mapping; call before it is unmapped. */
        @Override
        public void close() {
            MAPPINGS.remove(address, this);
        }
    }
}
