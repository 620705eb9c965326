package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.cnf4j.engine.LossResult;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

    @Test
    void rendersBarLossTermsAndEta() {
        String line = ProgressLine.render(250, 500, new LossResult(290.5, 1.25, 2.875, 0.5, null), 0.05, 95);
        assertEquals("[##########----------] iter 250/500  J 290.5000  L 1.2500  C 2.8750  R 0.5000  lr 0.050  ETA 1:35", line);
        assertFalse(line.contains("\r") || line.contains("\n"), "one line");
    }

    @Test
    void barAndClockAtTheEdges() {
        assertEquals("[--------------------]", ProgressLine.bar(0, 10));
        assertEquals("[####################]", ProgressLine.bar(10, 10));
        assertEquals("[####################]", ProgressLine.bar(15, 10), "never overflows");
        assertEquals("0:00", ProgressLine.clock(0));
        assertEquals("59:59", ProgressLine.clock(3599));
        assertEquals("1:00:01", ProgressLine.clock(3601));
    }

    @Test
    void etaExtrapolatesFromTheIterationsOfThisSession() {
        assertEquals(0, ProgressLine.eta(10, 40, 40, 100), 0.0, "nothing done yet after a resume");
        assertEquals(30, ProgressLine.eta(10, 50, 40, 80), 1e-12, "10 s for 10 iterations, 30 left");
    }
}
