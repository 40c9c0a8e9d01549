package org.jwsp.samples;

import java.io.PrintStream;

/**
 * How every sample ends: its body prints what it did and its own "OK" line; a
 * {@link SampleFailure} (or any other exception) becomes one line "{@code <name> FAILED: why}"
 * and exit code 1. Static; runs on the sample's main thread.
 */
final class SampleExit {

    /** A sample's work. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    private SampleExit() {
    }

    /** Runs {@code body}; returns the process exit code: 0, 1 after printing why it failed, or 2 for a bad command line. */
    static int code(PrintStream out, String name, Body body) {
        try {
            body.run();
            return 0;
        } catch (SampleArgs.BadCommandLine e) {
            out.println(e.getMessage());
            return 2;
        } catch (SampleFailure e) {
            out.println(name + " FAILED: " + e.getMessage());
        } catch (Exception e) {
            out.println(name + " FAILED: " + e);
        }
        return 1;
    }
}
