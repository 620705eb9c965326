package org.cnf4j.api;

/**
 * Where a fit stands, as a {@link ProgressListener} sees it after each validation.
 *
 * @param iteration      iterations done, counted across all maps of a JKO-Flow fit
 * @param totalIterations the budget, across all maps (early stopping may end a fit before it)
 * @param map            the map being trained (1-based; always 1 for OT-Flow)
 * @param maps           the number of maps (1 for OT-Flow, K for JKO-Flow)
 * @param loss           the training objective J = a0 L + a1 C + a2 R of the last batch
 * @param validationNll  the negative log-likelihood (nats) of the validation rows in the model's space
 *                       (for map k > 1: of the rows pushed through the maps before it)
 * @param best           whether this validation is the best of the current map so far
 */
public record Progress(int iteration, int totalIterations, int map, int maps, double loss, double validationNll, boolean best) {}
