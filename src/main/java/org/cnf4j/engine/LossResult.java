package org.cnf4j.engine;

/**
 * The OT-Flow objective on a batch: J = a0 L + a1 C + a2 R with the batch means L (transport cost),
 * C (negative log-likelihood, nats) and R (HJB penalty); {@code gradient} is dJ/dparameters in the
 * flat layout of PhiParams, or null when it was not asked for.
 */
public record LossResult(double j, double l, double c, double r, double[] gradient) {}
