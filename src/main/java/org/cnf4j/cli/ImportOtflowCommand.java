package org.cnf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnf4j.data.DataTransform;
import org.cnf4j.format.MissingFile;
import org.cnf4j.ode.Alpha;
import org.cnf4j.run.OtflowPth;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cnf4j import-otflow}: a run directory from a PyTorch OT-Flow model, either its .pth checkpoints (one map, or
 * several as a JKO-Flow run) or weights exported as .npy per state_dict key with a config.json.
 */
@Command(name = "import-otflow", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make a run directory from a PyTorch OT-Flow model, usable by eval, logp, sample, plot and export:",
            "  --checkpoint F.pth: a checkpoint as torch.save wrote it (zip or legacy format; the OT-Flow reference's "
                + "{'state_dict', 'args'}, JKO-Flow's {'model_state_dict'} or a bare state_dict). Several --checkpoint files, "
                + "or one folder of .pth files (natural order: map_2 before map_10), make a JKO-Flow run F = F_K o ... o F_1.",
            "  --weights DIR --config FILE: one .npy per state_dict key and a config.json with d, m, nTh, alph, nt "
                + "(the layout of src/test/resources/reference/otflow/*/).",
            "d, m and nTh come from the tensors' shapes; alpha, nt and nt_val from the checkpoint's args, or from --alpha, "
                + "--nt and --nt-val, which replace the args' values (the output says so) and are required for files without args."})
public final class ImportOtflowCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", paramLabel = "FILE|DIR", description = "A .pth file (repeat for the maps of a JKO-Flow run, in order), or one folder of .pth maps.")
    List<Path> checkpoints = new ArrayList<>();
    @Option(names = "--weights", paramLabel = "DIR", description = "Folder of KEY.npy files (with --config).") Path weights;
    @Option(names = "--config", paramLabel = "FILE", description = "JSON with d, m, nTh, alph (three numbers), nt (with --weights).") Path config;
    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "Run directory to create (must not exist or be empty).") Path out;
    @Option(names = "--alpha", paramLabel = "a0,a1,a2", description = "Loss weights (with --checkpoint): required when a file has no args, else replaces args.alph.") String alpha;
    @Option(names = "--nt", paramLabel = "N", description = "RK4 steps of training (with --checkpoint): required when a file has no args, else replaces args.nt.") Integer nt;
    @Option(names = "--nt-val", paramLabel = "N", description = "RK4 steps of evaluation, the default of eval, logp and sample (with --checkpoint; default: args.nt_val, else --nt).")
    Integer ntVal;
    @picocli.CommandLine.Mixin VerboseOption verbose = new VerboseOption();

    @Override
    public Integer call() throws IOException {
        if (!checkpoints.isEmpty() && (weights != null || config != null)) {
            throw new IllegalArgumentException("--checkpoint and --weights/--config are two ways to import and exclude each other: give one");
        }
        if (checkpoints.isEmpty()) {
            if (weights == null || config == null) {
                throw new IllegalArgumentException("give --checkpoint F.pth (a PyTorch checkpoint), or --weights DIR with --config FILE (.npy weights)");
            }
            if (alpha != null || nt != null || ntVal != null) {
                throw new IllegalArgumentException("--alpha, --nt and --nt-val go with --checkpoint; with --weights the --config file gives alph, nt and nt_val");
            }
            return importWeights();
        }
        return importCheckpoints();
    }

    private int importCheckpoints() throws IOException {
        Alpha a = alpha == null ? null : Alpha.parse(alpha);
        if (nt != null) ModelSupport.positive("--nt", nt);
        if (ntVal != null) ModelSupport.positive("--nt-val", ntVal);
        for (Path c : checkpoints) OutputGuard.apart("--out", out, "the --checkpoint " + (Files.isDirectory(c) ? "folder" : "file"), c);
        List<Path> files = OtflowPth.files(checkpoints);
        List<OtflowPth.Checkpoint> maps = new ArrayList<>();
        for (Path f : files) maps.add(OtflowPth.read(f));
        OtflowPth.Settings s = OtflowPth.settings(maps, a, nt, ntVal);
        OtflowPth.importRun(out, maps, s);
        var shape = maps.get(0).params().shape;
        String what = maps.size() == 1 ? files.get(0).getFileName().toString() : maps.size() + " JKO-Flow maps";
        System.out.printf("imported %s (d=%d m=%d nTh=%d, %d parameters%s) into %s: alpha %s, nt %d, nt_val %d%n", what, shape.d(), shape.m(), shape.nTh(),
                maps.get(0).params().size(), maps.size() == 1 ? "" : " each", out, s.alpha(), s.nt(), s.ntVal());
        for (String note : s.notes()) System.out.println("note: " + note);
        return 0;
    }

    private int importWeights() throws IOException {
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
        int ntv = cfg.has("nt_val") ? cfg.get("nt_val").asInt(ref.nt()) : ref.nt();
        if (ref.nt() < 1 || ntv < 1) throw new IllegalArgumentException(config + ": nt and nt_val must be >= 1");
        String data = cfg.hasNonNull("data") ? cfg.get("data").asText() : null;
        try (RunDirectory run = RunDirectory.create(out)) {
            var extra = new ObjectMapper().createObjectNode();
            extra.put("weights", weights.toAbsolutePath().toString()).put("config", config.toAbsolutePath().toString());
            extra.set("reference_config", cfg);
            run.saveWeights(ref.params());
            run.saveModelConfig(ref.params().shape, ref.alpha(), ref.nt(), ntv, data, DataTransform.identity(d), extra);
        }
        System.out.printf("imported d=%d m=%d nTh=%d (%d parameters) into %s%n", d, ref.params().shape.m(), ref.params().shape.nTh(),
                ref.params().size(), out);
        return 0;
    }
}
