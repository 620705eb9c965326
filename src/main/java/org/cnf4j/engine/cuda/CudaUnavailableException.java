package org.cnf4j.engine.cuda;

/** No usable CUDA driver, device or library; the message is one line meant for the user. */
public final class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String message) { super(message); }

    public CudaUnavailableException(String message, Throwable cause) { super(message, cause); }
}
