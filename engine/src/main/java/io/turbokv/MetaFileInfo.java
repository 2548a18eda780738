package io.turbokv;

import java.util.List;

/**
 * One committed meta file of a store and the SSTs it lists that are still live (turbo-persistence's
 * {@code meta_info}).
 *
 * @param sequenceNumber  the meta file's sequence number
 * @param family          the family its SSTs belong to
 * @param obsoleteSsts    SSTs a compaction consumed, listed so that older meta files stop listing them
 * @param usedKeyHashes   the size of its used-key filter in bytes
 * @param ssts            its live SSTs, newest first
 */
public record MetaFileInfo(int sequenceNumber, int family, List<Integer> obsoleteSsts, long usedKeyHashes,
                           List<SstInfo> ssts) {
    /** Copies the lists. */
    public MetaFileInfo {
        obsoleteSsts = List.copyOf(obsoleteSsts);
        ssts = List.copyOf(ssts);
    }
}
