package io.turbokv.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OperatingSystemTest {
    @Test
    void osNamesMapToTheirFamilies() {
        assertEquals(OperatingSystem.LINUX, OperatingSystem.detect("Linux"));
        assertEquals(OperatingSystem.MAC, OperatingSystem.detect("Mac OS X"));
        assertEquals(OperatingSystem.OTHER, OperatingSystem.detect("Windows 11"));
    }

    @Test
    void adviceUnknownToAnOsHasNoValueThere() {
        assertEquals(-1, Advice.DONTFORK.value(OperatingSystem.MAC));
        assertEquals(-1, Advice.RANDOM.value(OperatingSystem.OTHER));
        assertEquals(10, Advice.DONTFORK.value(OperatingSystem.LINUX));
    }

    @Test
    void errnoNamesDependOnTheOs() {
        assertEquals("EAGAIN", OperatingSystem.LINUX.errnoName(11));
        assertEquals("EAGAIN", OperatingSystem.MAC.errnoName(35));
        assertEquals("EINVAL", OperatingSystem.MAC.errnoName(22));
        assertEquals("errno=999", OperatingSystem.LINUX.errnoName(999));
    }
}
