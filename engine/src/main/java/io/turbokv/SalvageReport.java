package io.turbokv;

import java.util.List;

/**
 * What {@link Salvage#copy} copied out of a damaged store, and what it lost.
 *
 * @param sequenceNumber the committed sequence number of the state salvaged (the highest meta file's when
 *                       {@code CURRENT} itself is damaged)
 * @param entries        entries copied: values and tombstones, each applied as in the source
 * @param lostEntries    entries that could not be read: those of damaged SSTs and blocks, as their meta entries
 *                       count them, and values whose blob file is damaged; 0 when nothing was lost
 * @param damage         one line per damaged or missing file or block, naming it (and the offset when known) and
 *                       what its loss cost; empty when nothing was lost
 */
public record SalvageReport(int sequenceNumber, long entries, long lostEntries, List<String> damage) {
    /** Copies {@code damage}. */
    public SalvageReport {
        damage = List.copyOf(damage);
    }
}
