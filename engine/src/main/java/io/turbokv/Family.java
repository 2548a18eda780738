package io.turbokv;

/**
 * A typed handle on one family of a store, obtained by name from {@link TurboKV#family(String)}: the reads of
 * {@link TurboKV} and the writes of {@link WriteBatch} take it in place of the family's index. A handle is valid for
 * every store whose family at {@link #index()} has this name and kind; passing it to another fails with
 * {@link IllegalArgumentException}.
 *
 * <pre>{@code
 * Family edges = db.family("edges");
 * try (WriteBatch batch = db.writeBatch()) {
 *     batch.put(edges, from, to);
 *     batch.commit();
 * }
 * List<byte[]> targets = db.getMultiple(edges, from);
 * }</pre>
 *
 * @param index the family's index in the store's configuration
 * @param name  the family's name
 * @param kind  whether a key has one value or many
 */
public record Family(int index, String name, FamilyKind kind) {}
