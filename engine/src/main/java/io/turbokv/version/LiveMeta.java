package io.turbokv.version;

import io.turbokv.meta.MetaFile;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A committed meta file as readers see it: its family and its live SSTs, newest (highest sequence number) first,
 * since SSTs a batch spilled may overlap in hash range and the later one must win. Immutable; a commit that
 * drops entries of an older meta file replaces its {@code LiveMeta} with a narrower one over the same
 * {@link MetaFile} and {@link SstSlot}s.
 */
public final class LiveMeta {
    private final MetaFile file;
    private final SstSlot[] ssts;

    public LiveMeta(MetaFile file, SstSlot[] ssts) {
        this.file = file;
        this.ssts = ssts.clone();
        Arrays.sort(this.ssts, Comparator.comparingLong((SstSlot slot) -> Integer.toUnsignedLong(slot.seq()))
                .reversed());
    }

    public MetaFile file() {
        return file;
    }

    public int seq() {
        return file.seq();
    }

    public int family() {
        return file.family();
    }

    /** Live SSTs, newest first. The array is shared: do not modify. */
    public SstSlot[] ssts() {
        return ssts;
    }
}
