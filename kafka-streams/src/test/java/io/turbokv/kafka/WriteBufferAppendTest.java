package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.key;
import static io.turbokv.kafka.TestBytes.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/**
 * Writes a restore appends to a {@link WriteBuffer} read as if they had been put one by one: the newest write of a key
 * wins, whether the buffer is read through its sorted write ({@code forEach}) or any other read, whether appends
 * follow puts or puts follow appends, and when a newer buffer is absorbed over appended writes.
 */
class WriteBufferAppendTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@return the buffer's entries as its write sees them, "key=value" or "key=-" for a tombstone, in order} */
    private static List<String> written(WriteBuffer buffer) {
        List<String> entries = new ArrayList<>();
        buffer.forEach((key, value) -> entries.add(string(key.get()) + "="
                + (value == WriteBuffer.TOMBSTONE ? "-" : string(value))));
        return entries;
    }

    @Test
    void theWriteOfAppendedWritesHoldsTheNewestOfEachKeyInKeyOrder() {
        WriteBuffer buffer = new WriteBuffer();
        buffer.append(key("b"), bytes("1"));
        buffer.append(key("a"), bytes("1"));
        buffer.append(key("b"), null);
        buffer.append(key("c"), bytes("1"));
        buffer.append(key("b"), bytes("3"));
        buffer.append(key("a"), null);
        assertEquals(List.of("a=-", "b=3", "c=1"), written(buffer));
        assertEquals(List.of("a=-", "b=3", "c=1"), written(buffer), "a second write (a retry) sees the same");
        buffer.append(key("a"), bytes("after the sort"));
        assertEquals(List.of("a=after the sort", "b=3", "c=1"), written(buffer));
        assertEquals(3, buffer.size());
        assertEquals(3, buffer.puts());
    }

    @Test
    void everyReadSeesTheNewestAppendedWriteOverThePutsBeforeIt() {
        WriteBuffer buffer = new WriteBuffer();
        buffer.put(key("a"), bytes("put"));
        buffer.put(key("b"), bytes("put"));
        buffer.append(key("a"), bytes("appended"));
        buffer.append(key("b"), null);
        buffer.append(key("c"), bytes("appended"));
        assertFalse(buffer.isEmpty());
        assertEquals(List.of("a=appended", "b=-", "c=appended"), written(buffer));
        assertEquals("appended", string(buffer.get(key("a"))));
        assertSame(WriteBuffer.TOMBSTONE, buffer.get(key("b")));
        assertTrue(buffer.contains(key("c")));
        assertEquals(3, buffer.entries(null, true, null, true, false).size());
        buffer.put(key("c"), bytes("put after"));
        assertEquals("put after", string(buffer.get(key("c"))), "a put after an append is newer");
        buffer.clear();
        assertTrue(buffer.isEmpty());
        assertEquals(0, buffer.approximateBytes());
        assertEquals(List.of(), written(buffer));
    }

    @Test
    void aNewerBufferAbsorbedOverAppendedWritesWins() {
        WriteBuffer older = new WriteBuffer();
        older.append(key("a"), bytes("old"));
        older.append(key("b"), bytes("old"));
        WriteBuffer newer = new WriteBuffer();
        newer.put(key("a"), bytes("new"));
        older.absorb(newer);
        assertTrue(newer.isEmpty());
        assertEquals(List.of("a=new", "b=old"), written(older));
        WriteBuffer empty = new WriteBuffer();
        empty.absorb(older);
        assertEquals(List.of("a=new", "b=old"), written(empty), "absorbed whole into an empty buffer");
    }

    @Test
    void appendedBytesAndPutsAreNeverBelowWhatTheTreeWouldHold() {
        SplittableRandom random = new SplittableRandom(7);
        WriteBuffer appended = new WriteBuffer();
        WriteBuffer put = new WriteBuffer();
        TreeMap<Bytes, String> model = new TreeMap<>();
        for (int i = 0; i < 5_000; i++) { // over few keys, so that most writes replace one of their key
            Bytes key = key("k" + random.nextInt(300));
            byte[] value = random.nextInt(4) == 0 ? null : bytes("v" + i);
            appended.append(key, value);
            put.put(key, value);
            model.put(key, value == null ? "-" : string(value));
            assertTrue(appended.approximateBytes() >= put.approximateBytes());
            assertTrue(appended.puts() >= put.puts());
        }
        List<String> expected = new ArrayList<>();
        model.forEach((key, value) -> expected.add(string(key.get()) + "=" + value));
        assertEquals(expected, written(appended));
        assertEquals(written(put), written(appended));
        assertEquals(put.size(), appended.size());
        assertEquals(put.puts(), appended.puts(), "equal once the appended writes are in the tree");
        assertEquals(put.approximateBytes(), appended.approximateBytes());
        assertNull(appended.get(key("absent")));
    }
}
