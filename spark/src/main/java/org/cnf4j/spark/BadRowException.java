package org.cnf4j.spark;

/** A bad input row under {@link FlowScorer.BadRows#FAIL}: the message names the row and what is wrong with it. */
public final class BadRowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRowException(String message) { super(message); }
}
