package io.turbokv.cli;

import io.turbokv.CompactConfig;
import io.turbokv.TurboKV;
import java.io.IOException;

/**
 * The one place the command line calls the engine's compaction: {@code TurboKV.fullCompact()} for
 * {@code --full}, otherwise {@code TurboKV.compact(CompactConfig.defaults())}, which merges only what the
 * selector finds worth merging.
 */
final class Compaction {
    private Compaction() {}

    /**
     * Compacts {@code db}; {@code full} merges everything into as few files as possible.
     *
     * @return one line saying what the compaction did
     * @throws IOException when the compaction fails
     */
    static String run(TurboKV db, boolean full) throws IOException {
        int metasBefore = db.metaInfo().size();
        long sstsBefore = db.metaInfo().stream().mapToLong(m -> m.ssts().size()).sum();
        boolean changed;
        if (full) {
            db.fullCompact();
            changed = true;
        } else {
            changed = db.compact(CompactConfig.defaults());
        }
        long sstsAfter = db.metaInfo().stream().mapToLong(m -> m.ssts().size()).sum();
        int metasAfter = db.metaInfo().size();
        if (!changed) {
            return "nothing to compact: " + files(sstsAfter, metasAfter);
        }
        return "compacted: " + files(sstsBefore, metasBefore) + " -> " + files(sstsAfter, metasAfter);
    }

    /** {@code 1 SST in 1 meta file}. */
    private static String files(long ssts, long metas) {
        return Format.plural(ssts, "SST") + " in " + Format.plural(metas, "meta file");
    }
}
