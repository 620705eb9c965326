package org.cnf4j.run;

import org.cnf4j.train.TrainConfig;

/**
 * What a {@link TrainingRun} leaves: the trained model (its run directory, or none for an in-memory run), the
 * configuration it ran with, the validation NLL of the best model (for JKO-Flow the composed model's, on the
 * validation data in the model's space) and the iteration of the best OT-Flow map (the last map's for JKO-Flow),
 * the data's entropy for toy sets (NaN otherwise), when plot.png could not be drawn, why (else null) and, for finite
 * data held whole, the validation NLL of a full-covariance Gaussian fitted to the training rows, on the same validation
 * rows (the cheapest baseline a flow should beat; NaN otherwise; {@code cnf4j baseline} adds a mixture).
 */
public record RunResult(RunModel model, TrainConfig config, int jkoSteps, double validationNll, int bestIteration, double dataEntropy,
                        String plotError, double gaussianValidationNll) {}
