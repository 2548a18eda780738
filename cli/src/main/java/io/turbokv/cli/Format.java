package io.turbokv.cli;

import java.util.Locale;

/** Numbers for people: sizes in KiB/MiB/GiB, counts with separators, durations and rates. */
final class Format {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Format() {}

    /** {@code 1536} → {@code 1.5 KiB}; below 1 KiB exact bytes. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** {@code 1000000} → {@code 1,000,000}. */
    static String count(long count) {
        return String.format(Locale.ROOT, "%,d", count);
    }

    /** Nanoseconds as {@code 12.3 ms} or {@code 1.23 s}. */
    static String duration(long nanos) {
        return nanos < 1_000_000_000L
                ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** {@code count} per second over {@code nanos}, e.g. {@code 1.25M/s}. */
    static String rate(long count, long nanos) {
        double perSecond = nanos <= 0 ? 0 : count * 1e9 / nanos;
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM/s", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk/s", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f/s", perSecond);
    }

    /** {@code 1 SST}, {@code 2 SSTs}, {@code 1,000 SSTs}: nouns whose plural adds an s. */
    static String plural(long count, String noun) {
        return plural(count, noun, noun + "s");
    }

    /** {@code 1 entry}, {@code 2 entries}, {@code 1,000 entries}: the count with separators and the right noun. */
    static String plural(long count, String singular, String plural) {
        return count(count) + " " + (count == 1 ? singular : plural);
    }

    /** Whole seconds as {@code 0:07} or {@code 1:02:03}. */
    static String clock(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
