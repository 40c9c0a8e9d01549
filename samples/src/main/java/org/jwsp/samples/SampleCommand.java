package org.jwsp.samples;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.function.ToIntFunction;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The command line of a sample that takes no options: {@code --help} (and {@code --version})
 * through picocli, anything else refused with one line and exit code 2, then the sample itself
 * (0 or 1, see {@link SampleExit}). Static; runs on the sample's main thread.
 */
final class SampleCommand {

    private SampleCommand() {
    }

    /** The command of sample {@code name}: {@code --help}, {@code --version}, its description and the exit codes every sample has. */
    static CommandSpec spec(String name, String description) {
        CommandSpec spec = CommandSpec.create().name("bash samples/demo.sh " + name).mixinStandardHelpOptions(true);
        spec.usageMessage().description(description).exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(new java.util.TreeMap<>(java.util.Map.of("0", "the sample checked its result",
                        "1", "a check failed (one line says which)", "2", "bad command line")));
        return spec;
    }

    /** Parses {@code args} for sample {@code name} and runs it; returns the exit code. */
    static int execute(String name, String description, String[] args, PrintStream out, PrintStream err,
                       ToIntFunction<PrintStream> sample) {
        CommandLine cl = new CommandLine(spec(name, description));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        try {
            ParseResult parsed = cl.parseArgs(args);
            if (CommandLine.printHelpIfRequested(parsed)) {
                return 0;
            }
        } catch (ParameterException e) {
            err.println(name + ": " + e.getMessage() + " (try --help)");
            return 2;
        }
        return sample.applyAsInt(out);
    }
}
