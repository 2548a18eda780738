package io.turbokv.kafka;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the stores log (their {@code System.Logger}s, under {@code io.turbokv.kafka}) while open, instead of
 * printing it: a warning a test expects must not reach the build output, where CI fails on {@code WARNING:} lines.
 */
final class CapturedWarnings implements AutoCloseable {
    private final Logger logger = Logger.getLogger("io.turbokv.kafka");
    private final boolean parentHandlers = logger.getUseParentHandlers();
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            messages.add(record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    CapturedWarnings() {
        logger.setUseParentHandlers(false);
        logger.addHandler(capture);
    }

    /** {@return the messages logged so far} */
    List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void close() {
        logger.removeHandler(capture);
        logger.setUseParentHandlers(parentHandlers);
    }
}
