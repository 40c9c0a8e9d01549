package org.jwsp.windows;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * The Java end of the bootstrap DLL {@code jwsp.dll} (provider/src/main/c/bootstrap): the address
 * that every native {@code WSPStartup} is forwarded to.
 *
 * <p>Who calls it: {@code jwsp.dll}, through JNI ({@code CallStaticLongMethod}), once per process,
 * on the application thread that made the first {@code WSPStartup}, inside the DLL's start-up
 * guard (no other thread calls at the same time). The DLL then calls the returned address as an
 * {@code LPWSPSTARTUP} for every {@code WSPStartup}; if it gets 0 it calls {@link #failureReason()}
 * and writes that into its log line, and answers {@code WSAEPROVIDERFAILEDINIT}.
 *
 * <p>Where the stub comes from: {@code org.jwsp.provider.LayeredProvider.startupStub()} (static,
 * returns the {@code MemorySegment} of the provider's {@code WSPStartup} upcall stub). It is looked
 * up by name, reflectively, so this class neither depends on the provider package at compile time
 * nor fails to load when it is missing.
 *
 * <p>Never throws into JNI: every failure, {@link Error}s included, becomes a 0 return and a
 * reason. For that reason the logger is obtained only when needed and inside a catch, so that a
 * class path without log4j-api cannot make this class fail to initialise.
 *
 * <p>Memory: the provider's arena owns the stub; this class keeps a strong reference to the
 * returned segment for the life of the process, because native code holds the bare address.
 */
public final class Bootstrap {

    static final String PROVIDER_CLASS = "org.jwsp.provider.LayeredProvider";
    static final String STARTUP_STUB_METHOD = "startupStub";

    /** The stub native code was given; written by the DLL's start-up thread, read by nobody: it only keeps the stub reachable. */
    private static volatile MemorySegment startupStub;
    /** Why the last look-up returned 0, "" after a success; read by the DLL after a 0. */
    private static volatile String failure = "";

    private Bootstrap() {
    }

    /**
     * Address of the layered provider's {@code WSPStartup} upcall stub, or 0 (with
     * {@link #failureReason()} set and one error logged) when there is none.
     */
    public static long wspStartupAddress() {
        return wspStartupAddress(PROVIDER_CLASS, STARTUP_STUB_METHOD);
    }

    /** Why the last {@link #wspStartupAddress()} returned 0; empty after a success. Never throws. */
    public static String failureReason() {
        return failure;
    }

    /** {@link #wspStartupAddress()} against a named class and static method (tests use their own). */
    static long wspStartupAddress(String providerClass, String methodName) {
        try {
            MemorySegment stub = lookUp(providerClass, methodName);
            startupStub = stub;
            failure = "";
            return stub.address();
        } catch (Throwable t) {
            String reason = reasonFor(t, providerClass + "." + methodName + "()");
            failure = reason;
            logOnce(reason, t);
            return 0;
        }
    }

    private static MemorySegment lookUp(String providerClass, String methodName) throws Throwable {
        Class<?> type = Class.forName(providerClass, true, Bootstrap.class.getClassLoader());
        Method method = type.getMethod(methodName);
        String name = providerClass + "." + methodName + "()";
        if (!Modifier.isStatic(method.getModifiers())) {
            throw new StartupStubMissing(name + " is not static");
        }
        if (method.getReturnType() != MemorySegment.class) {
            throw new StartupStubMissing(name + " returns " + method.getReturnType().getName()
                    + ", not java.lang.foreign.MemorySegment");
        }
        Object result;
        try {
            result = method.invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause() == null ? e : e.getCause();
        }
        if (result == null || ((MemorySegment) result).address() == 0) {
            throw new StartupStubMissing(name + " returned a NULL stub");
        }
        return (MemorySegment) result;
    }

    private static String reasonFor(Throwable t, String method) {
        return switch (t) {
            case StartupStubMissing missing -> missing.getMessage();
            case ClassNotFoundException e -> "no " + e.getMessage() + " on the class path (the jwsp provider jar is missing)";
            case NoSuchMethodException e -> "no public static " + method + " (provider jar of another version?)";
            case ExceptionInInitializerError e -> method + " failed in its class initialiser: " + e.getCause();
            default -> method + " failed: " + t;
        };
    }

    private static void logOnce(String reason, Throwable t) {
        try {
            org.apache.logging.log4j.LogManager.getLogger(Bootstrap.class)
                    .error("jwsp WSPStartup unavailable, Winsock will get WSAEPROVIDERFAILEDINIT: {}", reason, t);
        } catch (Throwable ignored) {
            // No logging on this class path: the DLL's log line still carries the reason.
        }
    }

    /** A look-up that found something unusable; its message is the whole reason. */
    private static final class StartupStubMissing extends Exception {
        private static final long serialVersionUID = 1L;

        StartupStubMissing(String message) {
            super(message, null, false, false);
        }
    }
}
