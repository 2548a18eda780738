package io.turbokv;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Run in a child JVM with a small heap by {@link LargeBatchTest}: writes one batch of {@code args[1]} MiB of values
 * from two threads into the store at {@code args[0]}, commits, reopens and checks a sample. Prints {@code OK} and
 * the entry count, or exits non-zero.
 */
final class LargeBatchMain {
    private static final int VALUE_SIZE = 1000;

    private LargeBatchMain() {}

    static byte[] value(long i) {
        byte[] value = new byte[VALUE_SIZE];
        long x = i * 0x9E3779B97F4A7C15L + 1;
        for (int j = 0; j < VALUE_SIZE; j += 8) { // incompressible, so the data really is that large on disk
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int b = 0; b < 8 && j + b < VALUE_SIZE; b++) {
                value[j + b] = (byte) (x >>> (8 * b));
            }
        }
        return value;
    }

    static byte[] key(long i) {
        return ("key-" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Puts entries {@code first} to {@code first + entries - 1} ({@link #key}, {@link #value}) into {@code batch}
     * from two threads, even and odd entries apart, as an application's fillers would.
     */
    static void fill(WriteBatch batch, long entries, long first) throws Exception {
        Thread[] fillers = new Thread[2];
        Exception[] failure = new Exception[1];
        for (int t = 0; t < fillers.length; t++) {
            int thread = t;
            fillers[t] = new Thread(() -> {
                try {
                    for (long i = thread; i < entries; i += 2) {
                        batch.put(0, key(i + first), value(i + first));
                    }
                } catch (Exception e) {
                    failure[0] = e;
                }
            });
            fillers[t].start();
        }
        for (Thread filler : fillers) {
            filler.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long entries = (Long.parseLong(args[1]) << 20) / VALUE_SIZE;
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily()); WriteBatch batch = db.writeBatch()) {
            fill(batch, entries, 0);
            batch.commit();
        }
        try (TurboKV db = TurboKV.open(dir, DbConfig.singleFamily())) {
            for (long i = 0; i < entries; i += 997) {
                Optional<byte[]> found = db.get(0, key(i));
                if (found.isEmpty() || !java.util.Arrays.equals(found.get(), value(i))) {
                    System.out.println("MISMATCH at entry " + i);
                    System.exit(2);
                }
            }
        }
        System.out.println("OK " + entries + " entries, max heap " + (Runtime.getRuntime().maxMemory() >> 20)
                + " MiB");
    }
}
