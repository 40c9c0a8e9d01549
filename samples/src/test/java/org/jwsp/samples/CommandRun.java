package org.jwsp.samples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One run of a sample's command line ({@code execute(args, out, err)}): exit code, standard output and standard error. */
record CommandRun(int exitCode, String out, String err) {

    /** The command, given its out and err streams. */
    @FunctionalInterface
    interface Command {
        int run(PrintStream out, PrintStream err);
    }

    static CommandRun of(Command command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = command.run(o, e);
        }
        return new CommandRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
