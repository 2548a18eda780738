/**
 * A Kafka Streams key-value state store backed by TurboKV (see {@link io.turbokv.kafka}).
 *
 * <p>Its API names types of the engine ({@code DbConfig}) and of Kafka Streams and Kafka's clients (store
 * suppliers, {@code Bytes}): those modules are required transitively.
 */
// Kafka's jars ship no module descriptor and name no Automatic-Module-Name: kafka.streams and kafka.clients are
// automatic modules whose names are derived from the jars' file names, as Maven and Gradle lay them out.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.turbokv.kafka {
    requires transitive io.turbokv;
    requires transitive kafka.clients;
    requires transitive kafka.streams;

    exports io.turbokv.kafka;
}
