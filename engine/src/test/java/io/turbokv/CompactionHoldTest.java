package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link CompactionPolicy.Hold} keeps the automatic compactions of the stores whose policy carries it from starting
 * while it holds, however far past the SST limit their commits go, and they compact to the limit once it is released
 * or its time runs out; stores sharing a hold are held together, a store without it is not.
 */
class CompactionHoldTest {
    /** Well over the compaction threads' look interval, so that a held store would have compacted by then. */
    private static final long SEVERAL_LOOKS_MILLIS = 10L * CompactionPolicy.CHECK_INTERVAL_MILLIS;

    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    private static TurboKV open(Path directory, CompactionPolicy.Hold hold) throws IOException {
        return TurboKV.open(directory, DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE)
                .compactionPolicy(CompactionPolicy.whenSstCountAbove(2).withHold(hold)).build());
    }

    /** Commits {@code batches} batches of 50 keys each: one SST each. */
    private static void commit(TurboKV db, int batches) throws IOException, InterruptedException {
        for (int b = 0; b < batches; b++) {
            try (WriteBatch writes = db.writeBatch(Duration.ofSeconds(30))) {
                for (int i = 0; i < 50; i++) {
                    writes.put(0, bytes("key-" + b + "-" + i), bytes("value-" + b + "-" + i));
                }
                writes.commit();
            }
        }
    }

    @Test
    void aHeldStoreStartsNoCompactionAndCompactsOnceReleased() throws Exception {
        CompactionPolicy.Hold hold = new CompactionPolicy.Hold();
        hold.holdFor(Duration.ofMinutes(5));
        try (TurboKV db = open(dir, hold)) {
            commit(db, 12);
            Thread.sleep(SEVERAL_LOOKS_MILLIS);
            assertEquals(12, db.statistics().sstFiles(), "no compaction while held");
            hold.release();
            assertFalse(hold.isHeld());
            BackgroundCompactionTest.awaitSstsAtMost(db, 2); // no commit since the release: the commits during the hold are looked at
            assertArrayEquals(bytes("value-11-49"), db.get(0, bytes("key-11-49")).orElseThrow());
        }
    }

    @Test
    void aHoldEndsByItselfWhenItsTimeRunsOut() throws Exception {
        CompactionPolicy.Hold hold = new CompactionPolicy.Hold();
        hold.holdFor(Duration.ofMillis(SEVERAL_LOOKS_MILLIS));
        try (TurboKV db = open(dir, hold)) {
            commit(db, 8);
            BackgroundCompactionTest.awaitSstsAtMost(db, 2);
            assertFalse(hold.isHeld());
        }
    }

    @Test
    void storesSharingAHoldAreHeldTogetherAndAStoreWithoutOneIsNot() throws Exception {
        CompactionPolicy.Hold hold = new CompactionPolicy.Hold();
        hold.holdFor(Duration.ofMinutes(5));
        try (TurboKV first = open(dir.resolve("first"), hold);
             TurboKV second = open(dir.resolve("second"), hold);
             TurboKV free = open(dir.resolve("free"), null)) {
            commit(first, 6);
            commit(second, 6);
            commit(free, 6);
            BackgroundCompactionTest.awaitSstsAtMost(free, 2);
            Thread.sleep(SEVERAL_LOOKS_MILLIS);
            assertEquals(6, first.statistics().sstFiles());
            assertEquals(6, second.statistics().sstFiles());
            hold.holdFor(Duration.ofMinutes(5)); // renewed, as each bulk load's batch renews it
            commit(first, 2);
            Thread.sleep(SEVERAL_LOOKS_MILLIS);
            assertEquals(8, first.statistics().sstFiles());
            hold.release();
            BackgroundCompactionTest.awaitSstsAtMost(first, 2);
            BackgroundCompactionTest.awaitSstsAtMost(second, 2);
        }
    }

    @Test
    void aHeldStorePastTheCeilingCompactsAnywayDownToTheCeiling() throws Exception {
        CompactionPolicy.Hold hold = new CompactionPolicy.Hold();
        hold.holdFor(Duration.ofMinutes(5));
        int ceiling = CompactionPolicy.whenSstCountAbove(2).holdCeiling();
        try (TurboKV db = open(dir, hold)) {
            commit(db, ceiling);
            Thread.sleep(SEVERAL_LOOKS_MILLIS);
            assertEquals(ceiling, db.statistics().sstFiles(), "at the ceiling: still held");
            commit(db, 20);
            BackgroundCompactionTest.awaitSstsAtMost(db, ceiling);
            Thread.sleep(SEVERAL_LOOKS_MILLIS);
            assertTrue(hold.isHeld());
            assertTrue(db.statistics().sstFiles() > 2, "below the ceiling the hold holds again: "
                    + db.statistics());
            assertArrayEquals(bytes("value-19-49"), db.get(0, bytes("key-19-49")).orElseThrow());
            hold.release();
            BackgroundCompactionTest.awaitSstsAtMost(db, 2);
        }
    }

    @Test
    void theHoldCeilingIsFourTimesTheLimitAndAtLeastItsMinimum() {
        assertEquals(CompactionPolicy.MIN_HOLD_CEILING, CompactionPolicy.whenSstCountAbove(0).holdCeiling());
        assertEquals(CompactionPolicy.MIN_HOLD_CEILING, CompactionPolicy.whenSstCountAbove(16).holdCeiling());
        assertEquals(4 * 17, CompactionPolicy.whenSstCountAbove(17).holdCeiling());
        assertEquals(Integer.MAX_VALUE, CompactionPolicy.manual().holdCeiling(), "no overflow");
        assertEquals(Integer.MAX_VALUE, CompactionPolicy.whenSstCountAbove(Integer.MAX_VALUE / 2).holdCeiling());
    }

    @Test
    void aHoldIsPartOfThePolicyAndRefusesANonPositiveDuration() {
        CompactionPolicy.Hold hold = new CompactionPolicy.Hold();
        assertFalse(hold.isHeld(), "a new hold holds nothing");
        CompactionPolicy held = CompactionPolicy.whenSstCountAbove(4).withHold(hold);
        assertSame(hold, held.hold());
        assertSame(hold, held.withConfig(CompactConfig.defaults()).hold(), "kept with other bounds");
        assertNull(CompactionPolicy.whenSstCountAbove(4).hold());
        assertFalse(held.held());
        hold.holdFor(Duration.ofSeconds(30));
        assertTrue(held.held());
        assertFalse(CompactionPolicy.whenSstCountAbove(4).held());
        assertThrows(IllegalArgumentException.class, () -> hold.holdFor(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> hold.holdFor(Duration.ofMillis(-1)));
        assertTrue(hold.isHeld(), "a refused duration leaves the hold as it was");
    }
}
