package org.cnf4j.api;

/** Told how a fit goes, after every validation; runs on the fitting thread, so keep it short. */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(Progress progress);
}
