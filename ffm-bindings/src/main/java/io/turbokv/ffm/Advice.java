package io.turbokv.ffm;

/**
 * Access advice for a mapped range, passed to {@code madvise(2)}.
 *
 * <p>The numeric values differ between operating systems; each constant carries the value for Linux and for macOS.
 * Advice that an operating system does not know is skipped there ({@link LibC#madvise} returns without a call).
 */
public enum Advice {
    /** No special treatment: the kernel's default read-ahead. */
    NORMAL(0, 0),
    /** Pages are touched in random order: read-ahead is pointless. TurboKV's SST and meta files. */
    RANDOM(1, 1),
    /** Pages are touched once, in order: read ahead aggressively, drop behind. Compaction inputs and blobs. */
    SEQUENTIAL(2, 2),
    /** Pages will be needed soon: start reading them in now. */
    WILLNEED(3, 3),
    /** Pages are not needed for now: the kernel may drop them (a read-only file mapping reloads them on access). */
    DONTNEED(4, 4),
    /** Linux only: a child of {@code fork()} does not inherit the mapping. */
    DONTFORK(10, Advice.UNSUPPORTED),
    /** Linux only: opt the pages out of kernel same-page merging (KSM). */
    UNMERGEABLE(13, Advice.UNSUPPORTED);

    private static final int UNSUPPORTED = -1;

    private final int linuxValue;
    private final int macValue;

    Advice(int linuxValue, int macValue) {
        this.linuxValue = linuxValue;
        this.macValue = macValue;
    }

    /** {@return the {@code MADV_*} name of this advice, as in the C headers} */
    public String cName() {
        return "MADV_" + name();
    }

    /** The {@code MADV_*} value on {@code os}, or -1 where that system has no such advice. */
    int value(OperatingSystem os) {
        return switch (os) {
            case LINUX -> linuxValue;
            case MAC -> macValue;
            case OTHER -> UNSUPPORTED;
        };
    }
}
