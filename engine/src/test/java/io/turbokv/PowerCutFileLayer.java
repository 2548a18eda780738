package io.turbokv;

import io.turbokv.io.FileLayer;
import io.turbokv.io.WritableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A {@link FileLayer} over one real store directory that can simulate a power failure: at {@link #powerCut()} the
 * directory is put into a state the disk could be in after the power went off, and every later call through the
 * layer throws, so the store instance using it is dead. Checks that each write the store relies on was made durable
 * by the right fsync, as H2's reorder-writes file system does.
 *
 * <p>What is durable, with POSIX semantics:
 * <ul>
 *   <li><b>File contents.</b> {@link WritableFile#sync()} makes the bytes written to that file so far durable, and
 *       nothing else (not its name). At the cut, every file is cut back to its last synced length; what follows is
 *       dropped, or with {@link Choices#tail} partly kept (a prefix of what was written: the page cache may have
 *       written it back) or replaced by garbage (zeros or random bytes: the size reached the disk before the data).
 *       Files the layer did not create (they were there before it, or were written around it, as {@code LOG} and
 *       {@code .lock} are) count as durable as they are.</li>
 *   <li><b>Directory entries.</b> A create, rename (replacing the target) or delete changes the directory at once;
 *       it becomes durable at the next {@link #syncDirectory} of that directory. At the cut, each entry operation
 *       since the last directory sync is kept or undone on its own, chosen by {@link Choices#keep} (at random from a
 *       seed by default), since a file system may have written any subset of its unsynced metadata. The durable
 *       entries are replayed, then the kept operations in their order: a kept create or rename sets the name to its
 *       file, a kept delete or the source of a kept rename removes the name.</li>
 * </ul>
 *
 * <p>To undo a delete or a rename over an existing file, the layer keeps every file it has seen under a hard link
 * in a graveyard directory beside the store ({@code <store>.powercut}); the cut relinks the chosen files into the
 * store directory and then removes the graveyard. Reads are not simulated: the store maps the real files, which is
 * what it would find on the disk. Only the store directory itself is tracked; other directories are refused. The
 * real fsyncs are not made: the layer itself decides what survives, and the test runs faster without them.
 *
 * <p>Calls are counted (create, write, sync, rename, directory sync, delete; a failed or no-op call counts too) and
 * {@link #cutWhen} cuts the power just before a chosen one; {@link WritableFile#close()} is not counted and still
 * closes the real file after the cut, since it writes nothing. Thread-safe: every call holds the layer's lock, so
 * the cut happens between two calls of any thread.
 */
final class PowerCutFileLayer implements FileLayer {
    /** The kinds of counted calls. */
    enum Call {
        CREATE, WRITE, SYNC, RENAME, SYNC_DIRECTORY, DELETE
    }

    /**
     * A counted call, handed to the trigger before it runs.
     *
     * @param index 1-based number of the call since the layer was made
     * @param call  its kind
     * @param path  the file (for a rename, its source) or directory
     */
    record Operation(long index, Call call, Path path) {
        @Override
        public String toString() {
            return "#" + index + " " + call + " " + path.getFileName();
        }
    }

    /** What the cut does with each unsynced thing; {@link #random} unless a test needs one particular outcome. */
    interface Choices {
        /** Whether the unsynced directory operation {@code operation} reached the disk. */
        boolean keep(EntryOperation operation);

        /**
         * What a file that has unsynced bytes holds after its first {@code synced} bytes: {@code null} (or nothing)
         * to drop the unsynced bytes, else at most {@code unsynced.length} bytes.
         *
         * @param unsynced the bytes written after the {@code synced} ones
         */
        byte[] tail(String name, long synced, byte[] unsynced);

        /** Keeps the directory operations {@code keep} accepts, undoes the others; drops every unsynced tail. */
        static Choices keeping(Predicate<EntryOperation> keep) {
            return new Choices() {
                @Override
                public boolean keep(EntryOperation operation) {
                    return keep.test(operation);
                }

                @Override
                public byte[] tail(String name, long synced, byte[] unsynced) {
                    return null;
                }
            };
        }

        /**
         * Each entry operation kept or undone with equal odds; with {@code pessimisticTails}, each unsynced tail
         * dropped, partly kept or replaced by garbage with equal odds, else always dropped.
         */
        static Choices random(long seed, boolean pessimisticTails) {
            Random random = new Random(seed);
            return new Choices() {
                @Override
                public boolean keep(EntryOperation operation) {
                    return random.nextBoolean();
                }

                @Override
                public byte[] tail(String name, long synced, byte[] unsynced) {
                    if (!pessimisticTails) {
                        return null;
                    }
                    return switch (random.nextInt(4)) {
                        case 0 -> null;
                        case 1 -> Arrays.copyOf(unsynced, random.nextInt(unsynced.length + 1));
                        case 2 -> new byte[1 + random.nextInt(Math.min(unsynced.length, 8192))];
                        default -> {
                            byte[] garbage = new byte[1 + random.nextInt(Math.min(unsynced.length, 8192))];
                            random.nextBytes(garbage);
                            yield garbage;
                        }
                    };
                }
            };
        }
    }

    /** A file the layer knows: its graveyard link, and how much of it was written and synced. */
    private static final class Inode {
        final Path link;
        final boolean preexisting;
        long written;
        long synced;

        Inode(Path link, boolean preexisting, long length) {
            this.link = link;
            this.preexisting = preexisting;
            this.written = length;
            this.synced = length;
        }
    }

    /** A change to the store directory not yet made durable by a directory sync. */
    sealed interface EntryOperation permits Created, Renamed, Deleted {}

    /** {@code name} was created. */
    record Created(String name) implements EntryOperation {
        @Override
        public String toString() {
            return "create " + name;
        }
    }

    /** {@code from} was renamed to {@code to}; {@code replacing} when a file of that name was there. */
    record Renamed(String from, String to, boolean replacing) implements EntryOperation {
        @Override
        public String toString() {
            return "rename " + from + " -> " + to + (replacing ? " (replacing it)" : "");
        }
    }

    /** {@code name} was deleted. */
    record Deleted(String name) implements EntryOperation {
        @Override
        public String toString() {
            return "delete " + name;
        }
    }

    private final FileLayer real = FileLayer.standard();
    private final Path directory;
    private final Path graveyard;
    private final Choices choices;
    private final Map<String, Inode> current = new HashMap<>();
    private final Map<String, Inode> durable = new HashMap<>();
    /** The directory operations since the last directory sync, in order, each with the file it named. */
    private final List<Map.Entry<EntryOperation, Inode>> pending = new ArrayList<>();
    private final Map<Call, Long> callsByKind = new EnumMap<>(Call.class);
    private Predicate<Operation> trigger = operation -> false;
    private long calls;
    private int inodes;
    private boolean cut;
    private Operation cutBefore;
    private String cutReport = "";

    /**
     * A layer over {@code directory}, which must exist; its graveyard {@code <directory>.powercut} must not.
     *
     * @param choices what the cut keeps of the unsynced operations
     */
    PowerCutFileLayer(Path directory, Choices choices) throws IOException {
        this.directory = directory.toAbsolutePath().normalize();
        this.graveyard = this.directory.resolveSibling(this.directory.getFileName() + ".powercut");
        this.choices = choices;
        Files.createDirectory(graveyard);
    }

    /** Cuts the power just before the first call {@code trigger} accepts (the call then fails). */
    synchronized void cutWhen(Predicate<Operation> trigger) {
        this.trigger = trigger;
    }

    /** Counted calls so far. */
    synchronized long calls() {
        return calls;
    }

    /** Counted calls of {@code kind} so far. */
    synchronized long calls(Call kind) {
        return callsByKind.getOrDefault(kind, 0L);
    }

    /** Whether the power was cut. */
    synchronized boolean isCut() {
        return cut;
    }

    /** The call the power was cut before; {@code null} when it was cut at rest or not at all. */
    synchronized Operation cutBefore() {
        return cutBefore;
    }

    /** What the cut did: the call it came before, each unsynced operation kept or undone, each tail. */
    synchronized String cutReport() {
        return cutReport;
    }

    /**
     * Cuts the power now: puts the store directory into a state the disk could be in (see the class comment),
     * removes the graveyard, and makes every later call fail. Idempotent.
     */
    synchronized void powerCut() throws IOException {
        cut(null);
    }

    /** Removes the graveyard of a layer whose power was never cut (the store directory stays as it is). */
    synchronized void discard() throws IOException {
        if (!cut) {
            deleteGraveyard();
        }
    }

    private void cut(Operation before) throws IOException {
        if (cut) {
            return;
        }
        cut = true;
        cutBefore = before;
        StringBuilder report = new StringBuilder("power cut ").append(before == null ? "at rest" : "before " + before)
                .append('\n');
        Map<String, Inode> after = new HashMap<>(durable);
        for (Map.Entry<EntryOperation, Inode> entry : pending) {
            EntryOperation operation = entry.getKey();
            boolean keep = choices.keep(operation);
            report.append(keep ? "  kept   " : "  undone ").append(operation).append('\n');
            if (keep) {
                switch (operation) {
                    case Created c -> after.put(c.name(), entry.getValue());
                    case Renamed r -> {
                        after.remove(r.from());
                        after.put(r.to(), entry.getValue());
                    }
                    case Deleted d -> after.remove(d.name());
                }
            }
        }
        TreeSet<String> names = new TreeSet<>(current.keySet());
        names.addAll(after.keySet());
        for (String name : names) {
            Inode now = after.get(name);
            if (current.get(name) != now) {
                Files.deleteIfExists(directory.resolve(name));
                if (now != null) {
                    Files.createLink(directory.resolve(name), now.link);
                }
            }
        }
        Map<Inode, Boolean> restored = new IdentityHashMap<>();
        for (String name : new TreeSet<>(after.keySet())) {
            Inode inode = after.get(name);
            if (restored.put(inode, Boolean.TRUE) == null) {
                restoreContents(inode, name, report);
            }
        }
        cutReport = report.toString();
        deleteGraveyard();
    }

    private void restoreContents(Inode inode, String name, StringBuilder report) throws IOException {
        if (inode.preexisting || inode.written == inode.synced) {
            return;
        }
        byte[] unsynced;
        try (FileChannel channel = FileChannel.open(inode.link, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(inode.written - inode.synced));
            while (buffer.hasRemaining() && channel.read(buffer, inode.synced + buffer.position()) >= 0) {
                // read the whole unsynced tail
            }
            unsynced = buffer.array();
        }
        byte[] tail = choices.tail(name, inode.synced, unsynced);
        try (FileChannel channel = FileChannel.open(inode.link, StandardOpenOption.WRITE)) {
            channel.truncate(inode.synced);
            if (tail != null && tail.length > 0) {
                ByteBuffer buffer = ByteBuffer.wrap(tail);
                while (buffer.hasRemaining()) {
                    channel.write(buffer, inode.synced + buffer.position());
                }
            }
        }
        report.append(String.format(Locale.ROOT, "  %s cut from %d to %d bytes%s%n", name, inode.written,
                inode.synced, tail == null || tail.length == 0 ? ""
                        : String.format(Locale.ROOT, ", then %d bytes of %s", tail.length,
                                tailKind(tail, unsynced))));
    }

    private static String tailKind(byte[] tail, byte[] unsynced) {
        if (Arrays.equals(tail, 0, tail.length, unsynced, 0, tail.length)) {
            return "what was written";
        }
        for (byte b : tail) {
            if (b != 0) {
                return "garbage";
            }
        }
        return "zeros";
    }

    private void deleteGraveyard() throws IOException {
        if (!Files.exists(graveyard)) {
            return;
        }
        try (Stream<Path> links = Files.list(graveyard)) {
            for (Path link : links.toList()) {
                Files.delete(link);
            }
        }
        Files.delete(graveyard);
    }

    /** Counts the call and fails it when the power is off or the trigger cuts it now; holds the lock. */
    private void before(Call call, Path path) throws IOException {
        if (cut) {
            throw new IOException("power is off (" + call + " " + path + ")");
        }
        calls++;
        callsByKind.merge(call, 1L, Long::sum);
        Operation operation = new Operation(calls, call, path);
        if (trigger.test(operation)) {
            cut(operation);
            throw new IOException("power cut before " + operation);
        }
    }

    private String nameIn(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!directory.equals(absolute.getParent())) {
            throw new IllegalArgumentException("PowerCutFileLayer tracks only " + directory + ", not " + path);
        }
        return absolute.getFileName().toString();
    }

    /** The file now named {@code name}, registered as durable when the layer has not seen it yet. */
    private Inode existing(String name) throws IOException {
        Inode inode = current.get(name);
        Path path = directory.resolve(name);
        if (inode == null && Files.isRegularFile(path)) {
            inode = new Inode(graveyard.resolve(String.valueOf(++inodes)), true, Files.size(path));
            Files.createLink(inode.link, path);
            current.put(name, inode);
            durable.put(name, inode);
        }
        return inode;
    }

    @Override
    public synchronized WritableFile create(Path path) throws IOException {
        String name = nameIn(path);
        before(Call.CREATE, path);
        WritableFile file = real.create(path);
        Inode inode = new Inode(graveyard.resolve(String.valueOf(++inodes)), false, 0);
        try {
            Files.createLink(inode.link, path);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        current.put(name, inode);
        pending.add(Map.entry(new Created(name), inode));
        return new TrackedFile(file, inode);
    }

    @Override
    public synchronized void syncDirectory(Path directory) throws IOException {
        if (!this.directory.equals(directory.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("PowerCutFileLayer tracks only " + this.directory + ", not "
                    + directory);
        }
        before(Call.SYNC_DIRECTORY, directory);
        durable.clear();
        durable.putAll(current);
        pending.clear();
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        String fromName = nameIn(from);
        String toName = nameIn(to);
        before(Call.RENAME, from);
        Inode moved = existing(fromName);
        Inode replaced = existing(toName);
        real.rename(from, to);
        current.remove(fromName);
        current.put(toName, moved);
        pending.add(Map.entry(new Renamed(fromName, toName, replaced != null), moved));
    }

    @Override
    public synchronized boolean delete(Path path) throws IOException {
        String name = nameIn(path);
        before(Call.DELETE, path);
        Inode inode = existing(name);
        boolean existed = real.delete(path);
        if (existed) {
            current.remove(name);
            pending.add(Map.entry(new Deleted(name), inode));
        }
        return existed;
    }

    /** A file being written through the layer: counts its writes and syncs and records its synced length. */
    private final class TrackedFile implements WritableFile {
        private final WritableFile file;
        private final Inode inode;

        TrackedFile(WritableFile file, Inode inode) {
            this.file = file;
            this.inode = inode;
        }

        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public void write(MemorySegment bytes) throws IOException {
            synchronized (PowerCutFileLayer.this) {
                before(Call.WRITE, file.path());
                file.write(bytes);
                inode.written = file.position();
            }
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            synchronized (PowerCutFileLayer.this) {
                before(Call.WRITE, file.path());
                file.write(bytes);
                inode.written = file.position();
            }
        }

        @Override
        public long position() {
            return file.position();
        }

        @Override
        public void sync() throws IOException {
            synchronized (PowerCutFileLayer.this) {
                before(Call.SYNC, file.path());
                inode.synced = inode.written;
            }
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
