package org.jwsp.samples;

/** A sample saw something other than what it promises; its message says what. Exit code 1. */
public final class SampleFailure extends RuntimeException {

    public SampleFailure(String message) {
        super(message);
    }
}
