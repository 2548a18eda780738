package io.turbokv.jfr;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

/**
 * Whether any recording enables the events that hot paths emit (the slow get, the block-cache fill and eviction):
 * static volatile flags, so that a hot path checks one field and creates no event object when nothing records it.
 * A {@link FlightRecorderListener} updates them when the recorder starts and whenever a recording starts or stops
 * (the JDK notifies listeners after it has applied the recordings' settings). A setting changed on a recording
 * already running ({@code Recording.enable} after {@code start}) takes effect at the next start or stop of a
 * recording.
 */
@SuppressForbidden
final class EventGates {
    static volatile boolean slowGet;
    static volatile boolean cacheFill;
    static volatile boolean cacheEvict;

    static {
        FlightRecorder.addListener(new GateKeeper());
    }

    private EventGates() {}

    /** Loads the class, which registers the listener. */
    static void init() {
        // the static initializer did the work
    }

    private static void update() {
        slowGet = EventType.getEventType(SlowGetEvent.class).isEnabled();
        cacheFill = EventType.getEventType(BlockCacheFillEvent.class).isEnabled();
        cacheEvict = EventType.getEventType(BlockCacheEvictEvent.class).isEnabled();
    }

    /** Re-reads the flags when the recorder starts and whenever a recording starts or stops. */
    @SuppressForbidden
    private static final class GateKeeper implements FlightRecorderListener {
        @Override
        public void recorderInitialized(FlightRecorder recorder) {
            update();
        }

        @Override
        public void recordingStateChanged(Recording recording) {
            update();
        }
    }
}
