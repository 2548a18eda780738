package io.turbokv.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StoreLog}'s rotation: the {@code LOG} and {@code LOG.old} stay bounded and keep the newest records. */
class StoreLogTest {
    @TempDir
    Path dir;

    private Path log() {
        return dir.resolve(StoreFileNames.LOG);
    }

    private Path old() {
        return dir.resolve(StoreFileNames.LOG_OLD);
    }

    @Test
    void logStaysBoundedOverThousandsOfRecordsAndKeepsTheNewestInOrder() throws IOException {
        StoreLog log = new StoreLog(dir, 4096);
        for (int i = 0; i < 5000; i++) {
            log.append("record " + i + " " + "x".repeat(i % 200));
            assertTrue(Files.size(log()) <= 4096, "LOG after record " + i + ": " + Files.size(log()) + " bytes");
        }
        assertTrue(Files.size(old()) <= 4096, "LOG.old: " + Files.size(old()) + " bytes");
        List<String> previous = Files.readAllLines(old(), StandardCharsets.UTF_8);
        List<String> current = Files.readAllLines(log(), StandardCharsets.UTF_8);
        assertTrue(current.getLast().startsWith("record 4999 "), current.getLast());
        // LOG.old ends exactly where LOG begins: nothing in between was lost
        int lastOld = Integer.parseInt(previous.getLast().split(" ")[1]);
        int firstNew = Integer.parseInt(current.getFirst().split(" ")[1]);
        assertEquals(lastOld + 1, firstNew);
    }

    @Test
    void rotationPicksUpTheSizeOfALogWrittenBeforeTheStoreOpened() throws IOException {
        Files.writeString(log(), "x".repeat(980) + "\n", StandardCharsets.UTF_8);
        new StoreLog(dir, 1000).append("the next record, which does not fit");
        assertEquals("x".repeat(980), Files.readAllLines(old(), StandardCharsets.UTF_8).getFirst());
        assertEquals(List.of("the next record, which does not fit"), Files.readAllLines(log(),
                StandardCharsets.UTF_8));
    }

    @Test
    void recordLongerThanTheLimitGetsAFreshLogOfItsOwn() throws IOException {
        StoreLog log = new StoreLog(dir, 100);
        log.append("short");
        String longRecord = "y".repeat(300);
        log.append(longRecord);
        assertEquals(List.of(longRecord), Files.readAllLines(log(), StandardCharsets.UTF_8));
        assertEquals(List.of("short"), Files.readAllLines(old(), StandardCharsets.UTF_8));
        log.append("after");
        assertEquals(List.of("after"), Files.readAllLines(log(), StandardCharsets.UTF_8));
        assertFalse(Files.readString(old(), StandardCharsets.UTF_8).contains("short"));
    }

    @Test
    void limitMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new StoreLog(dir, 0));
    }
}
