package org.jwsp.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/** Captures ERROR (or from a given level) log events of the whole process while open (log4j-core, test scope). */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {

    public final List<LogEvent> events = new CopyOnWriteArrayList<>();
    /** The root logger's level before (restored by {@link #close}); lowered to the captured level while open. */
    private final Level rootBefore;

    public CapturedLog() {
        this(Level.ERROR);
    }

    /** Captures events at {@code level} and above. */
    public CapturedLog(Level level) {
        super("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration cfg = ctx.getConfiguration();
        cfg.addAppender(this);
        rootBefore = cfg.getRootLogger().getLevel();
        if (rootBefore == null || !rootBefore.isLessSpecificThan(level)) {
            cfg.getRootLogger().setLevel(level);
        }
        cfg.getRootLogger().addAppender(this, level, null);
        ctx.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        events.add(event.toImmutable());
    }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().removeAppender(getName());
        ctx.getConfiguration().getRootLogger().setLevel(rootBefore);
        ctx.updateLoggers();
        stop();
    }
}
