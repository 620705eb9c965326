package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnf4j.run.OtflowPth;
import org.cnf4j.run.OutputGuard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cnf4j export}: a run's model as PyTorch checkpoints that torch.load reads. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a run's model as a PyTorch checkpoint (torch.save's zip format, which torch 1.13 and later load with torch.load, "
                + "weights_only=True included): {'state_dict': OrderedDict of float64 tensors (the OT-Flow reference's keys), "
                + "'args': {d, m, nTh, alph, nt, nt_val, data, preprocessing}}, which import-otflow --checkpoint reads back.",
            "An OT-Flow run goes to the file --out; a JKO-Flow run to the folder --out, one file per map: map_1.pth ... map_K.pth.",
            "In Python: ck = torch.load('FILE.pth'); Phi.load_state_dict(ck['state_dict']) (see docs/PTH.md)."})
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory (train, JKO-Flow included, or import-otflow).") Path model;
    @Option(names = "--format", defaultValue = "pth", paramLabel = "pth", description = "Output format; pth (the default) is the only one.") String format;
    @Option(names = "--out", required = true, paramLabel = "FILE.pth|DIR", description = "The checkpoint file (a folder for a JKO-Flow run), written atomically.") Path out;
    @picocli.CommandLine.Mixin VerboseOption verbose = new VerboseOption();

    @Override
    public Integer call() throws IOException {
        if (!format.equals("pth")) throw new IllegalArgumentException("--format " + format + ": the only format is pth");
        OutputGuard.apart("--out", out, "the --model run directory", model);
        OutputGuard.notIntoARun("--out", out);
        List<Path> files = OtflowPth.export(model, out);
        System.out.printf("exported %s to %s%n", files.size() == 1 ? "the model" : files.size() + " JKO-Flow maps", files.size() == 1 ? files.get(0) : out);
        System.out.printf("load it in Python with: torch.load('%s')%n", files.get(0));
        return 0;
    }
}
