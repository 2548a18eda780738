package io.turbokv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FilterBuildCpu's arguments are checked, and its inputs on and off the heap build the same filters. */
class FilterBuildCpuTest {
    private static List<String> run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FilterBuildCpu.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static String checksum(List<String> lines) {
        String last = lines.getLast();
        return last.substring(last.indexOf("filters checksum"));
    }

    @Test
    void heapNativeAndAlternatingInputsBuildTheSameFilters() {
        List<String> heap = run("--input=heap", "8", "4", "1", "1000");
        List<String> alternate = run("--input=alternate", "8", "4", "1", "1000");
        List<String> offHeap = run("8", "4", "1", "1000"); // native is the default
        assertEquals(5, heap.size(), String.join("\n", heap));
        assertEquals(checksum(heap), checksum(offHeap));
        assertEquals(checksum(heap), checksum(alternate));
        assertTrue(alternate.get(0).startsWith("round 1 (heap):"), alternate.get(0));
        assertTrue(alternate.get(1).startsWith("round 2 (native):"), alternate.get(1));
        // the warm half of 4 alternating rounds holds one round of each input, each with its own median
        assertTrue(alternate.getLast().contains("heap 1 keys") && alternate.getLast().contains("native 1000 keys"),
                alternate.getLast());
    }

    @Test
    void theWarmMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(25, FilterBuildCpu.median(new long[] {40, 10, 30, 20}));
        assertEquals(20, FilterBuildCpu.median(new long[] {30, 10, 20}));
        assertEquals(7, FilterBuildCpu.median(new long[] {7}));
    }

    @Test
    void refusesBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> run());
        assertThrows(IllegalArgumentException.class, () -> run("8", "4"));
        assertThrows(IllegalArgumentException.class, () -> run("12", "4", "1000"));
        assertThrows(IllegalArgumentException.class, () -> run("8", "0", "1000"));
        assertThrows(IllegalArgumentException.class, () -> run("8", "-1", "1000"));
        assertThrows(IllegalArgumentException.class, () -> run("8", "4", "0"));
        assertThrows(IllegalArgumentException.class, () -> run("8", "4", "-5"));
        assertThrows(IllegalArgumentException.class, () -> run("8", "4", "many"));
        assertThrows(IllegalArgumentException.class, () -> run("--input=disk", "8", "4", "1000"));
        // alternating needs a warm half that holds both inputs
        assertThrows(IllegalArgumentException.class, () -> run("--input=alternate", "8", "2", "1000"));
    }
}
