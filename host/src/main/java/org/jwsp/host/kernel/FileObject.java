package org.jwsp.host.kernel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A regular file opened for reading by the host's {@code CreateFileW} ({@link LinuxKernelPort#createFile}):
 * what a Winsock program hands to {@code TransmitFile}. The base provider reads it through
 * {@link #channel()} (positional reads, or from the file pointer, which the reads advance, as a
 * synchronous Windows file handle's does). Owns one fd, closed by {@code CloseHandle}; a read racing
 * that close fails ({@code ClosedChannelException}), never touches a reused fd number.
 */
public final class FileObject implements KernelObject {

    private final FileChannel channel;

    private FileObject(FileChannel channel) {
        this.channel = channel;
    }

    static FileObject openForReading(Path path) throws IOException {
        return new FileObject(FileChannel.open(path, StandardOpenOption.READ));
    }

    /** The open file; reads after {@code CloseHandle} throw. */
    public FileChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing is buffered for writing: a failed close of a read-only file loses nothing
        }
    }
}
