package io.turbokv.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The libc functions TurboKV calls: {@code madvise}, {@code getpagesize}, {@code strerror}, and {@code malloc} and
 * {@code free} for memory that need not be zeroed.
 *
 * <p>Each function is linked once, when this class initialises, through {@link Linker#nativeLinker()}. Linking
 * is skipped, and {@link #madvise} becomes a no-op, when native access is not granted to this module (the JVM
 * flag {@code --enable-native-access}; one warning names it) or when libc lacks the symbol. Advice is a hint:
 * its absence makes TurboKV slower, never wrong, so it must never fail an open. {@link #malloc} falls back to
 * {@link Arena#allocate}, which zeroes: slower, never wrong.
 *
 * <p>Thread-safe: the handles are immutable and each call captures errno in its own scratch memory.
 */
public final class LibC {
    private static final System.Logger LOG = System.getLogger(LibC.class.getName());
    private static final long FALLBACK_PAGE_SIZE = 4096;
    /** What {@code malloc} guarantees on 64-bit platforms ({@code alignof(max_align_t)}). */
    private static final long MALLOC_ALIGNMENT = 16;

    private static final boolean NATIVE_ACCESS = LibC.class.getModule().isNativeAccessEnabled();
    private static final Optional<MethodHandle> MADVISE;
    private static final Optional<MethodHandle> STRERROR;
    private static final Optional<MethodHandle> MALLOC;
    private static final Optional<MethodHandle> FREE;
    private static final VarHandle ERRNO;
    private static final long PAGE_SIZE;

    static {
        Linker.Option captureErrno = Linker.Option.captureCallState("errno");
        ERRNO = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
        if (!NATIVE_ACCESS) {
            LOG.log(System.Logger.Level.WARNING, "Native access is not enabled for " + LibC.class.getModule()
                    + ": madvise advice is off. Run the JVM with --enable-native-access=ALL-UNNAMED"
                    + " (or =io.turbokv.ffm on the module path), as jdk-flags.txt does.");
        }
        MADVISE = link("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), captureErrno);
        STRERROR = link("strerror", FunctionDescriptor.of(cString(), JAVA_INT));
        Optional<MethodHandle> malloc = link("malloc", FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        Optional<MethodHandle> free = link("free", FunctionDescriptor.ofVoid(ADDRESS));
        boolean both = malloc.isPresent() && free.isPresent(); // memory from one must go back to the other
        MALLOC = both ? malloc : Optional.empty();
        FREE = both ? free : Optional.empty();
        PAGE_SIZE = link("getpagesize", FunctionDescriptor.of(JAVA_INT))
                .map(LibC::callPageSize)
                .orElse(FALLBACK_PAGE_SIZE);
    }

    private LibC() {}

    @SuppressWarnings("restricted")
    private static Optional<MethodHandle> link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (!NATIVE_ACCESS) {
            return Optional.empty();
        }
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name).map(symbol -> linker.downcallHandle(symbol, descriptor, options));
    }

    /**
     * A pointer to a NUL-terminated string of unknown length: the pointee is declared unbounded and read only up
     * to its terminator ({@link MemorySegment#getString(long)}).
     */
    @SuppressWarnings("restricted")
    private static AddressLayout cString() {
        return ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, JAVA_BYTE));
    }

    private static long callPageSize(MethodHandle getPageSize) {
        try {
            int size = (int) getPageSize.invokeExact();
            return size > 0 ? size : FALLBACK_PAGE_SIZE;
        } catch (Throwable e) {
            throw new AssertionError("getpagesize() cannot fail", e);
        }
    }

    /**
     * {@return whether native access is granted to this module, so that advice reaches the kernel} Also what an
     * optional user of {@link ScopedView#of} (a restricted method) checks to do without it, as a write buffer
     * reserve does; the read path needs its views and relies on {@code jdk-flags.txt}.
     */
    public static boolean isNativeAccessEnabled() {
        return NATIVE_ACCESS;
    }

    /**
     * {@return whether {@link #madvise} calls the kernel here} That needs native access granted and a libc that
     * has {@code madvise}.
     */
    public static boolean isMadviseAvailable() {
        return MADVISE.isPresent();
    }

    /** {@return the virtual-memory page size in bytes ({@code getpagesize()}), or 4096 where it cannot be asked} */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    /**
     * Advises the kernel about the pages holding {@code [address, address + lengthBytes)}.
     *
     * <p>The start is aligned down to its page, as {@code madvise} requires; the caller must own the whole pages
     * this touches (a mapping starts on a page boundary, so any range inside one qualifies). A zero length is a
     * no-op, as is advice this operating system lacks, or a missing {@code madvise}.
     *
     * @param address     the first byte of the range (absolute native address)
     * @param lengthBytes the length of the range in bytes, not negative
     * @param advice      what to tell the kernel
     * @param resource    what the range belongs to (a file name), for the error message
     * @throws IOException when {@code madvise} fails; the message names the call, the advice, the aligned range,
     *                     the errno name and the {@code strerror} text
     */
    public static void madvise(long address, long lengthBytes, Advice advice, String resource) throws IOException {
        if (lengthBytes < 0) {
            throw new IllegalArgumentException("lengthBytes: " + lengthBytes + " (expected: >= 0)");
        }
        int value = advice.value(OperatingSystem.CURRENT);
        if (lengthBytes == 0 || value < 0 || MADVISE.isEmpty()) {
            return;
        }
        long start = address & -PAGE_SIZE;
        long length = address + lengthBytes - start;
        int result;
        int errno;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(Linker.Option.captureStateLayout());
            try {
                result = (int) MADVISE.get().invokeExact(callState, MemorySegment.ofAddress(start), length, value);
            } catch (Throwable e) {
                throw new AssertionError("madvise downcall threw", e);
            }
            errno = (int) ERRNO.get(callState, 0L);
        }
        if (result != 0) {
            throw new IOException(String.format(Locale.ROOT,
                    "madvise(addr=0x%x, len=%d, advice=%s) failed: %s (%s) (resource=%s)",
                    start, length, advice.cName(), OperatingSystem.CURRENT.errnoName(errno), strerror(errno),
                    resource));
        }
    }

    /** {@return whether {@link #malloc} calls libc here, so that its memory is not zeroed} */
    public static boolean isMallocAvailable() {
        return MALLOC.isPresent();
    }

    /**
     * Allocates {@code byteSize} bytes whose contents are undefined, freed when {@code arena} closes.
     *
     * <p>Why: {@link Arena#allocate} zeroes what it allocates, which costs as much as writing the memory once
     * more; a buffer its owner fills before reading (a write batch's entries) needs no zeroing. The memory comes
     * from libc's {@code malloc} (aligned to 16 bytes) and goes back through {@code free} when {@code arena}
     * closes, so the segment has the arena's lifetime: a use after the close throws
     * {@link IllegalStateException} instead of touching freed memory. Where {@code malloc} is not linked (see the
     * class comment) this is {@code arena.allocate(byteSize, 16)}, zeroed.
     *
     * @param byteSize the size in bytes, at least 1
     * @param arena    the owner: the memory is freed when it closes (a shared arena for memory that moves
     *                 between threads)
     * @return the memory, of exactly {@code byteSize} bytes
     * @throws IllegalArgumentException when {@code byteSize} is below 1
     * @throws OutOfMemoryError         when {@code malloc} returns {@code NULL}
     */
    @SuppressWarnings("restricted")
    public static MemorySegment malloc(long byteSize, Arena arena) {
        if (byteSize < 1) {
            throw new IllegalArgumentException("byteSize: " + byteSize + " (expected: >= 1)");
        }
        if (MALLOC.isEmpty()) {
            return arena.allocate(byteSize, MALLOC_ALIGNMENT);
        }
        MemorySegment address;
        try {
            address = (MemorySegment) MALLOC.get().invokeExact(byteSize);
        } catch (Throwable e) {
            throw new AssertionError("malloc downcall threw", e);
        }
        if (address.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("malloc(" + byteSize + ") returned NULL");
        }
        return address.reinterpret(byteSize, arena, LibC::free);
    }

    /** The cleanup of {@link #malloc}'s segments: {@code free}, given a zero-length segment at their address. */
    private static void free(MemorySegment address) {
        try {
            FREE.orElseThrow().invokeExact(address);
        } catch (Throwable e) {
            throw new AssertionError("free downcall threw", e);
        }
    }

    /**
     * {@return the C library's description of {@code errno} ({@code strerror}), or {@code "unknown error"}}
     *
     * @param errno the error number a failed call left in {@code errno}
     */
    public static String strerror(int errno) {
        if (STRERROR.isEmpty()) {
            return "unknown error";
        }
        try {
            MemorySegment text = (MemorySegment) STRERROR.get().invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "unknown error" : text.getString(0);
        } catch (Throwable e) {
            throw new AssertionError("strerror downcall threw", e);
        }
    }

    /**
     * {@return the symbolic name of {@code errno} on this system ({@code EINVAL}), or {@code errno=N}}
     *
     * @param errno the error number a failed call left in {@code errno}
     */
    public static String errnoName(int errno) {
        return OperatingSystem.CURRENT.errnoName(errno);
    }
}
