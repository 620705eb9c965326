package org.cnf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cnf4j.baseline.Baselines;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.cnf4j.run.OutputGuard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnf4j baseline}: what a flow has to beat on a data set, before training one. */
@Command(name = "baseline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fit a full-covariance Gaussian and a Gaussian mixture (its number of components chosen by validation likelihood) "
                + "to the training split of SOURCE, split and standardised exactly as cnf4j train does with the same --seed, and print their "
                + "validation and test NLL (nats, in the model's standardised space, where train reports the flow's, and in the data's units).",
            "A flow worth training beats the mixture's validation NLL."})
public final class BaselineCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "SOURCE", description = "A .npy or CSV file, maf:NAME[:ROOT] or a toy name.") String data;
    @Option(names = "--components", split = ",", paramLabel = "K,...", description = "Mixture sizes to choose from by validation likelihood "
            + "(default 1,2,5,10,20,40; sizes above a tenth of the training rows are skipped).") int[] components;
    @Option(names = "--seed", defaultValue = "0", description = "The split's seed, as train's --seed (default ${DEFAULT-VALUE}); also seeds the "
            + "mixture's k-means++ start.") long seed;
    @Option(names = "--output", paramLabel = "FILE.json", description = "Also write the numbers as JSON.") Path output;
    @Mixin VerboseOption verbose = new VerboseOption();

    @Override
    public Integer call() throws IOException {
        int[] ks = components != null ? components : Baselines.COMPONENTS;
        for (int k : ks) if (k < 1) throw new IllegalArgumentException("--components must be >= 1, got " + k);
        if (output != null) {
            OutputGuard.apart("--output", output, "the --data file", DataSets.file(data));
            OutputGuard.notIntoARun("--output", output);
            if (java.nio.file.Files.isDirectory(output)) throw new IllegalArgumentException("--output " + output + " is a directory: give a file name (nothing was written)");
        }
        Dataset ds = DataSets.load(data, seed);
        Baselines.Report r = Baselines.fit(ds, ks, seed);
        System.out.printf(Locale.ROOT, "%-22s %s (d=%d; %d / %d / %d rows train / validation / test)%n", "data", data, ds.d(), ds.nTrain(),
                ds.nValidation(), ds.nTest());
        System.out.printf(Locale.ROOT, "%-30s %14s %14s %20s %8s%n", "baseline", "validation NLL", "test NLL", "test NLL (data units)", "seconds");
        for (Baselines.Fit f : new Baselines.Fit[] {r.gaussian(), r.mixture()}) {
            String name = f.name() + (f.name().equals("Gaussian") ? "" : " (" + f.components() + " components)");
            System.out.printf(Locale.ROOT, "%-30s %14.4f %14.4f %20.4f %8.2f%n", name, f.validationNll(), f.testNll(), f.testNll() + r.offset(), f.seconds());
        }
        System.out.printf(Locale.ROOT, "mixture sizes tried: %s; nats in the standardised space unless said (cnf4j train and eval report the flow there)%n",
                Arrays.toString(r.componentsTried()));
        if (output != null) {
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode j = om.createObjectNode();
            j.put("data", data).put("seed", seed).put("d", ds.d()).put("n_train", ds.nTrain()).put("n_validation", ds.nValidation()).put("n_test", ds.nTest());
            j.put("nll_offset_data_units", r.offset());
            j.set("components_tried", om.valueToTree(r.componentsTried()));
            for (Baselines.Fit f : new Baselines.Fit[] {r.gaussian(), r.mixture()}) {
                ObjectNode o = j.putObject(f.name().equals("Gaussian") ? "gaussian" : "mixture");
                o.put("components", f.components()).put("validation_nll", f.validationNll()).put("test_nll", f.testNll())
                        .put("test_nll_data_units", f.testNll() + r.offset()).put("seconds", f.seconds());
            }
            ModelSupport.writeAtomically(output, om.writeValueAsBytes(j));
            System.out.printf("wrote %s%n", output);
        }
        return 0;
    }
}
