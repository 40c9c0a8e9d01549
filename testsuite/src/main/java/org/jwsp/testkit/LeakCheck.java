package org.jwsp.testkit;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jwsp.host.base.BaseProvider;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.provider.LayeredProvider;

/**
 * A JUnit 5 extension registered for every test class of the test suite (autodetected through
 * {@code META-INF/services}): before the class it records {@link Leaks#now()}; after it, it
 * demands that jwsp is no longer started (so its sockets, requests and native memory are gone
 * with its runtime), that the host's base provider holds no socket, and that fds by kind,
 * io_uring rings, host arenas and bytes and kernel handles are back to what they were, and fails
 * the class naming each owner that kept something.
 *
 * <p>Each class starts from a clean provider: a jwsp left started by a class (a test that failed
 * before its WSACleanup) is ended here with {@link LayeredProvider#abandon()}, so the next class
 * does not inherit it, and the class that left it fails. Runs on JUnit's thread for the class.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        List<String> inherited = new ArrayList<>();
        if (LayeredProvider.abandon()) {
            inherited.add("jwsp was still started before this class (ended now)");
        }
        Catalog.system(); // the process's one catalog (its entries' memory) is made once, by whoever asks first
        context.getStore(NS).put("before", Leaks.now());
        if (!inherited.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + ": " + inherited);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Leaks before = context.getStore(NS).get("before", Leaks.class);
        List<String> kept = new ArrayList<>();
        if (LayeredProvider.abandon()) {
            kept.add("jwsp (LayeredProvider) left started: its sockets, requests and native memory stayed (ended now)");
        }
        if (BaseProvider.openSockets() != 0) {
            kept.add("host base provider: " + BaseProvider.openSockets() + " sockets open");
        }
        if (before != null) {
            kept.addAll(Leaks.now().differencesFrom(before));
        }
        if (!kept.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " leaked: " + String.join("; ", kept));
        }
    }
}
