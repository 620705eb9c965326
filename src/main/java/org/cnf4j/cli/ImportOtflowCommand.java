package org.cnf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cnf4j.data.DataTransform;
import org.cnf4j.format.MissingFile;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cnf4j import-otflow}: a run directory from PyTorch OT-Flow weights exported as .npy per state_dict key. */
@Command(name = "import-otflow", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Make a run directory from a PyTorch OT-Flow model exported as weights/KEY.npy (one file per state_dict key) "
                + "and a config.json with d, m, nTh, alph, nt (the layout of shared/reference/otflow/*/).")
public final class ImportOtflowCommand implements Callable<Integer> {
    @Option(names = "--weights", required = true, paramLabel = "DIR", description = "Folder of KEY.npy files.") Path weights;
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "JSON with d, m, nTh, alph (three numbers), nt.") Path config;
    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "Run directory to create (must not exist or be empty).") Path out;
    @picocli.CommandLine.Mixin VerboseOption verbose = new VerboseOption();

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(weights)) throw MissingFile.explain(weights, "weights folder");
        if (!Files.isDirectory(weights)) throw new java.nio.file.NoSuchFileException(null, null, weights + ": no such weights folder; check --weights");
        if (!Files.exists(config)) throw MissingFile.explain(config, "config file");
        if (!Files.isRegularFile(config)) throw new java.nio.file.NoSuchFileException(null, null, config + ": config file not found; check --config");
        OutputGuard.apart("--out", out, "the --weights folder", weights);
        OutputGuard.apart("--out", out, "the --config file", config);
        // a weight of the wrong shape or dtype, or a config value out of range: a usage error naming its file
        ReferenceModel ref = ReferenceModel.load(weights, config);
        JsonNode cfg = new ObjectMapper().readTree(config.toFile());
        int d = ref.params().shape.d();
        for (double v : ref.params().data) {
            if (!Double.isFinite(v)) throw new IllegalArgumentException(weights + " holds non-finite weights");
        }
        int ntVal = cfg.has("nt_val") ? cfg.get("nt_val").asInt(ref.nt()) : ref.nt();
        if (ref.nt() < 1 || ntVal < 1) throw new IllegalArgumentException(config + ": nt and nt_val must be >= 1");
        String data = cfg.hasNonNull("data") ? cfg.get("data").asText() : null;
        try (RunDirectory run = RunDirectory.create(out)) {
            var extra = new ObjectMapper().createObjectNode();
            extra.put("weights", weights.toAbsolutePath().toString()).put("config", config.toAbsolutePath().toString());
            extra.set("reference_config", cfg);
            run.saveWeights(ref.params());
            run.saveModelConfig(ref.params().shape, ref.alpha(), ref.nt(), ntVal, data, DataTransform.identity(d), extra);
        }
        System.out.printf("imported d=%d m=%d nTh=%d (%d parameters) into %s%n", d, ref.params().shape.m(), ref.params().shape.nTh(),
                ref.params().size(), out);
        return 0;
    }
}
