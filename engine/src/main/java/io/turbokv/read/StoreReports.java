package io.turbokv.read;

import io.turbokv.MetaFileInfo;
import io.turbokv.SstInfo;
import io.turbokv.Statistics;
import io.turbokv.meta.MetaEntry;
import io.turbokv.version.LiveMeta;
import io.turbokv.version.SstSlot;
import io.turbokv.version.StoreState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What a store reports about one of its states: its meta files and SSTs, and its read statistics. */
public final class StoreReports {
    private StoreReports() {}

    /**
     * {@return the live meta files of {@code state}, newest first, with their live SSTs}
     *
     * @param state the state to describe
     */
    public static List<MetaFileInfo> metaInfo(StoreState state) {
        List<MetaFileInfo> infos = new ArrayList<>();
        for (LiveMeta meta : state.metas()) {
            List<SstInfo> ssts = new ArrayList<>();
            for (SstSlot slot : meta.ssts()) {
                MetaEntry e = slot.entry();
                ssts.add(new SstInfo(e.sstSeq(), e.minHash(), e.maxHash(), e.filter().byteSize(), e.entryCount(),
                        e.sstSize(), e.blockCount(), e.cold(), e.fresh()));
            }
            List<Integer> obsolete = Arrays.stream(meta.file().obsoleteSsts()).boxed().toList();
            infos.add(new MetaFileInfo(meta.seq(), meta.family(), obsolete, meta.file().usedKeyFilter().byteSize(),
                    ssts));
        }
        return infos;
    }

    /**
     * {@return the read statistics of {@code lookups} since the store opened, with the file counts of {@code state}
     * and the write side's native memory}
     *
     * @param state        the state whose files are counted
     * @param lookups      the store's read path, whose caches and counters are read
     * @param poolBytes    see {@link Statistics#writeBufferPoolBytes()}
     * @param reserveBytes see {@link Statistics#writeBufferReserveBytes()}
     */
    public static Statistics statistics(StoreState state, Lookups lookups, long poolBytes, long reserveBytes) {
        int ssts = 0;
        for (LiveMeta meta : state.metas()) {
            ssts += meta.ssts().length;
        }
        LookupCounters counters = lookups.counters();
        long hits = counters.valueHits() + counters.blobHits() + counters.deletedHits();
        return new Statistics(state.metas().size(), ssts, lookups.caches().keyBlocks().statistics(),
                lookups.caches().valueBlocks().statistics(), hits, counters.misses(), counters.familyMisses(),
                counters.rangeMisses(), counters.filterMisses(), counters.keyMisses(), counters.deletedHits(),
                counters.valueHits(), counters.blobHits(), poolBytes, reserveBytes);
    }
}
