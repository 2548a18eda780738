package io.turbokv.cli;

import io.turbokv.io.StoreFileNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** The numbered files in a store directory, counted and summed by kind ({@code .sst}, {@code .meta}, ...). */
final class StoreFiles {
    private final Map<StoreFileNames.Kind, long[]> byKind = new EnumMap<>(StoreFileNames.Kind.class);
    private long otherBytes;

    private StoreFiles() {
        for (StoreFileNames.Kind kind : StoreFileNames.Kind.values()) {
            byKind.put(kind, new long[2]);
        }
    }

    /** Lists {@code directory} now. */
    static StoreFiles of(Path directory) throws IOException {
        StoreFiles files = new StoreFiles();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path path : stream) {
                if (!Files.isRegularFile(path)) {
                    continue;
                }
                String name = path.getFileName().toString();
                long size = Files.size(path);
                StoreFileNames.Kind kind = kindOf(name);
                if (kind == null) {
                    files.otherBytes += size;
                } else {
                    long[] countAndBytes = files.byKind.get(kind);
                    countAndBytes[0]++;
                    countAndBytes[1] += size;
                }
            }
        }
        return files;
    }

    static StoreFileNames.Kind kindOf(String name) {
        for (StoreFileNames.Kind kind : StoreFileNames.Kind.values()) {
            String stem = name.endsWith(kind.extension())
                    ? name.substring(0, name.length() - kind.extension().length()) : "";
            if (!stem.isEmpty() && stem.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return kind;
            }
        }
        return null;
    }

    long count(StoreFileNames.Kind kind) {
        return byKind.get(kind)[0];
    }

    long bytes(StoreFileNames.Kind kind) {
        return byKind.get(kind)[1];
    }

    /** Every file's bytes, {@code CURRENT}, {@code LOG} and the lock file included. */
    long totalBytes() {
        long total = otherBytes;
        for (long[] countAndBytes : byKind.values()) {
            total += countAndBytes[1];
        }
        return total;
    }

    /** {@code {"sst":{"count":12,"bytes":47815065},...,"total_bytes":48234567}}, for {@code --json}. */
    Map<String, Object> toMap() {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (StoreFileNames.Kind kind : StoreFileNames.Kind.values()) {
            map.put(kind.extension().substring(1).toLowerCase(Locale.ROOT),
                    Json.object("count", count(kind), "bytes", bytes(kind)));
        }
        map.put("total_bytes", totalBytes());
        return map;
    }

    /** {@code 12 sst (45.6 MiB), 1 meta (300.2 KiB), 0 blob, 0 del; 46.0 MiB in all}. */
    String summary() {
        StringBuilder text = new StringBuilder();
        for (StoreFileNames.Kind kind : StoreFileNames.Kind.values()) {
            text.append(text.isEmpty() ? "" : ", ").append(count(kind)).append(' ')
                    .append(kind.extension().substring(1).toLowerCase(Locale.ROOT));
            if (count(kind) > 0) {
                text.append(" (").append(Format.bytes(bytes(kind))).append(')');
            }
        }
        return text.append("; ").append(Format.bytes(totalBytes())).append(" in all").toString();
    }
}
