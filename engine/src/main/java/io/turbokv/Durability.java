package io.turbokv;

/**
 * Whether a commit waits for the disk. Chosen per open ({@link DbConfig.Builder#durability}); the files are the
 * same either way, so a store written with one opens with the other.
 */
public enum Durability {
    /**
     * Every commit is durable when it returns: each new file, the {@code .del}, {@code CURRENT} and the directory
     * are fsynced before and after the commit point, so a power cut or an OS crash loses nothing committed. The
     * default.
     */
    SYNC,
    /**
     * No fsync at all: a commit is atomic and visible to readers when it returns, and survives a crash of the
     * process (the kernel holds every write and the rename of {@code CURRENT} is atomic), but not necessarily a power
     * cut or an OS crash. After one, the latest commits may be lost; and since the file system may then write a
     * commit's files in any order, {@code CURRENT} may name files whose bytes never reached the disk: the open then
     * fails with {@link CorruptionException} or {@link java.nio.file.NoSuchFileException} (every file is
     * checksummed, so no wrong value is ever returned), and {@link Salvage#copy} copies out what verifies. For
     * stores that can be rebuilt from elsewhere (a changelog, a cache), where commit latency matters more.
     * Checkpoints are fsynced regardless.
     */
    NO_SYNC
}
