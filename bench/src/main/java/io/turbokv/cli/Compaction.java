package io.turbokv.cli;

import io.turbokv.TurboKV;
import java.io.IOException;

/**
 * The one place the command line calls the engine's compaction. This build's engine has none
 * ({@code TurboKV.compact(CompactConfig)} and {@code TurboKV.fullCompact()} are not on main yet), so
 * {@link #available()} is false and {@link #run} fails with a clear message; {@code demo} skips its compaction step.
 * Wiring it is this class's two methods: {@code available()} returns true and {@code run} calls
 * {@code db.fullCompact()} or {@code db.compact(CompactConfig.defaults())}.
 */
final class Compaction {
    static final String NOT_AVAILABLE = "compaction is not available in this build (the engine has no"
            + " TurboKV.compact(CompactConfig) or TurboKV.fullCompact() yet)";

    private Compaction() {}

    /** Whether this build's engine can compact. */
    static boolean available() {
        return false;
    }

    /**
     * Compacts {@code db}; {@code full} merges everything into as few files as possible.
     *
     * @return one line saying what the compaction did
     * @throws CliException when this build cannot compact
     * @throws IOException  when the compaction fails (the engine's compaction throws it)
     */
    static String run(TurboKV db, boolean full) throws IOException {
        throw new CliException(NOT_AVAILABLE);
    }
}
