package io.turbokv;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Run in a child JVM with a 64 MiB heap by {@link LargeBatchReserveTest}: two stores, one after the other, each
 * given one batch of {@code args[1]} MiB of values through one {@link WriteBufferReserve}, so the second store's
 * batch runs on the first store's buffers; both checked after a reopen. Prints {@code OK} or exits non-zero.
 */
final class LargeBatchReserveMain {
    private LargeBatchReserveMain() {}

    public static void main(String[] args) throws Exception {
        long entries = (Long.parseLong(args[1]) << 20) / 1000;
        try (WriteBufferReserve reserve = WriteBufferReserve.create(128L << 20)) {
            DbConfig config = DbConfig.singleFamily().toBuilder().writeBufferReserve(reserve).build();
            for (int store = 0; store < 2; store++) {
                Path dir = Path.of(args[0], "s" + store);
                try (TurboKV db = TurboKV.open(dir, config); WriteBatch batch = db.writeBatch()) {
                    LargeBatchMain.fill(batch, entries, store);
                    batch.commit();
                    if (db.statistics().writeBufferReserveBytes() > reserve.capacityBytes()) {
                        System.out.println("RESERVE OVER ITS CAPACITY " + reserve.heldBytes());
                        System.exit(3);
                    }
                }
                System.out.println("store " + store + " closed, reserve holds " + (reserve.heldBytes() >> 20) + " MiB");
            }
            for (int store = 0; store < 2; store++) {
                try (TurboKV db = TurboKV.open(Path.of(args[0], "s" + store), DbConfig.singleFamily())) {
                    for (long i = 0; i < entries; i += 997) {
                        Optional<byte[]> found = db.get(0, LargeBatchMain.key(i + store));
                        if (found.isEmpty() || !java.util.Arrays.equals(found.get(), LargeBatchMain.value(i + store))) {
                            System.out.println("MISMATCH in store " + store + " at entry " + i);
                            System.exit(2);
                        }
                    }
                }
            }
        }
        System.out.println("OK " + entries + " entries per store, max heap " + (Runtime.getRuntime().maxMemory() >> 20)
                + " MiB");
    }
}
