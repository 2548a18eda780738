package io.turbokv.version;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * What readers see of a store: its live meta files, newest first, and the committed sequence number. Immutable;
 * each commit publishes a new one through the {@link VersionTracker}.
 *
 * @param metas         live meta files, highest sequence number first
 * @param committedSeq  the sequence number in {@code CURRENT}
 */
public record StoreState(List<LiveMeta> metas, int committedSeq) {
    /** The state of a store before its first commit: no meta file. */
    public static final StoreState EMPTY = new StoreState(List.of(), 0);

    /** Copies {@code metas}, so that a state never changes. */
    public StoreState {
        metas = List.copyOf(metas);
    }

    /** {@return whether the state has no meta file, so the store holds no committed data} */
    public boolean isEmpty() {
        return metas.isEmpty();
    }

    /**
     * Maps every live SST of this state and checks its size, block count and index now rather than on first read.
     *
     * @throws IOException when an SST is missing or damaged
     */
    public void mapAllSsts() throws IOException {
        for (LiveMeta meta : metas) {
            for (SstSlot slot : meta.ssts()) {
                slot.reader();
            }
        }
    }

    /**
     * {@return the mappings this state holds that {@code next} does not: they may be closed once no reader of this
     * state (or an older one) is left}
     *
     * @param next the state that replaces this one
     */
    public List<AutoCloseable> unreachableIn(StoreState next) {
        Set<Object> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        for (LiveMeta meta : next.metas) {
            kept.add(meta.file());
            Collections.addAll(kept, meta.ssts());
        }
        List<AutoCloseable> unreachable = new ArrayList<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (LiveMeta meta : metas) {
            if (!kept.contains(meta.file()) && seen.add(meta.file())) {
                unreachable.add(meta.file());
            }
            for (SstSlot slot : meta.ssts()) {
                if (!kept.contains(slot) && seen.add(slot)) {
                    unreachable.add(slot);
                }
            }
        }
        return unreachable;
    }
}
