package io.turbokv.kafka;

import static io.turbokv.kafka.TestBytes.string;

import io.turbokv.TurboKV;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What a key-value store's directory holds on disk, read through a read-only open beside the store: what a crash of
 * the process would keep of its data and of its changelog offsets.
 */
final class StoreOnDisk {
    private StoreOnDisk() {}

    /** {@return every key and value on disk in the store directory {@code directory}, in key order} */
    static TreeMap<String, String> onDisk(Path directory) throws IOException {
        TreeMap<String, String> contents = new TreeMap<>();
        try (TurboKV db = TurboKV.openReadOnly(directory, TurboKvStores.defaultConfig());
             var scope = db.readScope();
             var cursor = scope.range(TurboKvKeyValueStore.FAMILY, (byte[]) null, true, null, true)) {
            while (cursor.next()) {
                contents.put(string(cursor.keyBytes()), string(cursor.valueBytes()));
            }
        }
        return contents;
    }

    /** {@return the changelog offsets on disk in the store directory {@code directory}} */
    static Map<TopicPartition, Long> offsetsOnDisk(Path directory) throws IOException {
        try (TurboKV db = TurboKV.openReadOnly(directory, TurboKvStores.defaultConfig())) {
            return ChangelogOffsets.decode(db.get(TurboKvKeyValueStore.POSITION_FAMILY,
                    TurboKvKeyValueStore.OFFSETS_KEY).orElse(null), "s");
        }
    }
}
