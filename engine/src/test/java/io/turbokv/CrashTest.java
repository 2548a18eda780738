package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.CurrentFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing child JVM ({@link CrashWorkload}) again and again — with SIGKILL at a random moment, or by halting
 * it at a chosen file operation (between the writes, fsyncs and renames of a commit) — and after each kill reopens
 * the store and checks: every acknowledged batch is there, nothing of an uncommitted batch is visible, the contents
 * equal the model of the batches committed, and no file above {@code CURRENT} survives the open. With
 * {@link Durability#NO_SYNC} too: a crash of the process loses nothing the kernel was handed.
 */
class CrashTest {
    @TempDir
    Path dir;

    private static List<String> childCommand(Path store, Path acks, Durability durability, Integer haltAt) {
        return haltAt == null
                ? ChildJvm.command(256, CrashWorkload.class, store.toString(), acks.toString(), durability.name())
                : ChildJvm.command(256, CrashWorkload.class, store.toString(), acks.toString(), durability.name(),
                        haltAt.toString());
    }

    private record Figures(int kills, int batches, long keysChecked) {}

    private Figures crashRounds(int rounds, long seed, Durability durability) throws Exception {
        Path store = dir.resolve("store");
        Path acks = dir.resolve("acks");
        Random random = new Random(seed);
        CrashWorkload.Model model = new CrashWorkload.Model();
        int modelAt = 0;
        long keysChecked = 0;
        for (int round = 0; round < rounds; round++) {
            boolean halt = round % 2 == 1;
            Integer haltAt = halt ? 1 + random.nextInt(300) : null;
            Process child =
                    new ProcessBuilder(childCommand(store, acks, durability, haltAt)).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String ready = out.readLine();
            if (!halt) {
                assertTrue(ready != null && ready.startsWith("READY"), "child said: " + ready);
                // let it commit for a while, then kill it mid-flight
                assertTrue(!child.waitFor(20 + random.nextInt(400), TimeUnit.MILLISECONDS),
                        "child ended on its own: " + ready);
                child.destroyForcibly();
            }
            assertTrue(child.waitFor(2, TimeUnit.MINUTES), "child did not end");
            out.close();
            if (halt && child.exitValue() != 137) {
                throw new AssertionError("child was to halt at file operation " + haltAt + " but exited "
                        + child.exitValue() + ": " + ready);
            }
            int acked = lastAck(acks);
            try (TurboKV db = TurboKV.open(store, CrashWorkload.CONFIG)) {
                int last = CrashWorkload.lastBatch(db);
                assertTrue(last >= acked, "acknowledged batch " + acked + " lost: store has " + last);
                // at most one batch past what is known committed: the last acknowledgement, or what the previous
                // round found in the store (its last commit may have been killed before its acknowledgement)
                int known = Math.max(acked, modelAt);
                assertTrue(last <= known + 1, "store has batch " + last + " but only " + known
                        + " was known committed");
                while (modelAt < last) {
                    CrashWorkload.apply(++modelAt, model);
                }
                keysChecked += check(db, model);
                assertNoFileAboveCurrent(store);
            }
        }
        return new Figures(rounds, modelAt, keysChecked);
    }

    private static long check(TurboKV db, CrashWorkload.Model model) throws IOException {
        long checked = 0;
        for (int key = 0; key < CrashWorkload.KEY_SPACE; key++) {
            String found = db.get(0, CrashWorkload.key(key)).map(v -> new String(v, StandardCharsets.UTF_8))
                    .orElse(null);
            assertEquals(model.single.get(key), found, "single-valued key " + key);
            checked++;
        }
        // the key-ordered family holds family 0's keys and values: a cursor yields them in key-byte order
        TreeMap<String, String> ordered = new TreeMap<>();
        model.single.forEach((key, value) -> ordered.put(new String(CrashWorkload.key(key),
                StandardCharsets.US_ASCII), value));
        List<String> walked = new ArrayList<>();
        try (ReadScope scope = db.readScope();
             Cursor cursor = scope.range(CrashWorkload.ORDERED, (byte[]) null, true, null, true)) {
            while (cursor.next()) {
                walked.add(new String(cursor.keyBytes(), StandardCharsets.US_ASCII) + "="
                        + new String(cursor.valueBytes(), StandardCharsets.UTF_8));
            }
        }
        assertEquals(ordered.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(), walked,
                "the key-ordered family's cursor");
        checked += walked.size();
        for (int key = 0; key < 50; key++) {
            List<String> found = db.getMultiple(1, CrashWorkload.key(key)).stream()
                    .map(v -> new String(v, StandardCharsets.UTF_8)).sorted().toList();
            assertEquals(model.multi.getOrDefault(key, List.of()).stream().sorted().toList(), found,
                    "multi-valued key " + key);
            checked++;
        }
        return checked;
    }

    private static int lastAck(Path acks) throws IOException {
        if (!Files.exists(acks)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(acks).stream().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? 0 : Integer.parseInt(lines.getLast().trim());
    }

    private static void assertNoFileAboveCurrent(Path store) throws IOException {
        long current = Integer.toUnsignedLong(CurrentFile.read(store));
        try (Stream<Path> files = Files.list(store)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.matches("\\d+\\.(sst|meta|blob|del)")) {
                    long seq = Long.parseLong(name.substring(0, name.indexOf('.')));
                    assertTrue(seq <= current, "orphan " + name + " above CURRENT " + current);
                }
            }
        }
    }

    @Test
    void killedWriterKeepsEveryAcknowledgedBatchAndNothingUncommitted() throws Exception {
        Figures figures = crashRounds(20, 42, Durability.SYNC);
        System.out.println("CrashTest: " + figures.kills() + " kills, " + figures.batches() + " batches committed, "
                + figures.keysChecked() + " keys checked");
        assertTrue(figures.batches() > 0);
    }

    @Test
    void killedNoSyncWriterKeepsEveryAcknowledgedBatchAndNothingUncommitted() throws Exception {
        Figures figures = crashRounds(12, 43, Durability.NO_SYNC);
        System.out.println("CrashTest (NO_SYNC): " + figures.kills() + " kills, " + figures.batches()
                + " batches committed, " + figures.keysChecked() + " keys checked");
        assertTrue(figures.batches() > 0);
    }

    /** 1,000 kills unless {@code -Dturbokv.crash.kills=N}. */
    @Test
    @Tag("stress")
    void manyKills() throws Exception {
        Figures figures = crashRounds(Integer.getInteger("turbokv.crash.kills", 1000), System.nanoTime(),
                Durability.SYNC);
        System.out.println("CrashTest (stress): " + figures.kills() + " kills, " + figures.batches()
                + " batches committed, " + figures.keysChecked() + " keys checked");
    }
}
