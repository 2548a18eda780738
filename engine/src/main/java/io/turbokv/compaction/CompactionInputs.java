package io.turbokv.compaction;

import io.turbokv.meta.MetaEntry;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.StateLoader;
import io.turbokv.version.StoreState;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.IntHashSet;

/** What a compaction starts from: per family, the live SSTs of one store state in the order the merge needs. */
public final class CompactionInputs {
    private CompactionInputs() {}

    /**
     * Per family of {@code state}: its live SSTs oldest first (the reverse of the read order), the used-key filters
     * of its meta files, and the obsolete marks that meta files left without live entries still carry and that a
     * new meta file must repeat ({@link Compactor.FamilyInput#carriedObsolete}).
     *
     * @param multiValued per family, whether it is multi-valued
     * @param keyOrdered  per family, whether it is key-ordered
     * @param state       the state to compact, on which the caller holds a lease
     * @return one input per family, in family order
     */
    public static List<Compactor.FamilyInput> of(StoreState state, boolean[] multiValued, boolean[] keyOrdered) {
        List<Compactor.FamilyInput> families = new ArrayList<>();
        List<LiveMeta> metas = state.metas();
        for (int family = 0; family < multiValued.length; family++) {
            List<MetaEntry> ssts = new ArrayList<>();
            List<MemorySegment> usedKeys = new ArrayList<>();
            IntHashSet listed = new IntHashSet();
            for (int m = metas.size() - 1; m >= 0; m--) { // oldest first: the reverse of the read order
                LiveMeta meta = metas.get(m);
                if (meta.family() == family) {
                    for (int i = meta.ssts().length - 1; i >= 0; i--) {
                        ssts.add(meta.ssts()[i].entry());
                    }
                    usedKeys.add(meta.file().usedKeyFilter());
                    for (int seq : StateLoader.entrySeqs(meta.file())) {
                        listed.add(seq);
                    }
                }
            }
            IntArrayList carried = new IntArrayList();
            for (LiveMeta meta : metas) {
                if (meta.family() == family && meta.ssts().length == 0) {
                    for (int seq : meta.file().obsoleteSsts()) {
                        if (listed.contains(seq)) { // else no meta file lists it any more: the mark is done
                            carried.addInt(seq);
                        }
                    }
                }
            }
            families.add(new Compactor.FamilyInput(family, multiValued[family], keyOrdered[family], ssts,
                    usedKeys,
                    carried.toIntArray()));
        }
        return families;
    }
}
