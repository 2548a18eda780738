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

    /**
     * The live part of {@code file}: {@code ssts}, kept newest first.
     *
     * @param file the open meta file
     * @param ssts the slots of the file's live SSTs, in any order; copied
     */
    public LiveMeta(MetaFile file, SstSlot[] ssts) {
        this.file = file;
        this.ssts = ssts.clone();
        Arrays.sort(this.ssts, Comparator.comparingLong((SstSlot slot) -> Integer.toUnsignedLong(slot.seq()))
                .reversed());
    }

    /** {@return the open meta file} */
    public MetaFile file() {
        return file;
    }

    /** {@return the meta file's sequence number} */
    public int seq() {
        return file.seq();
    }

    /** {@return the family the meta file belongs to} */
    public int family() {
        return file.family();
    }

    /** {@return live SSTs, newest first} The array is shared: do not modify. */
    public SstSlot[] ssts() {
        return ssts;
    }
}
