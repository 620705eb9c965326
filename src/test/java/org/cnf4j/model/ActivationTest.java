package org.cnf4j.model;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The float32 engine's activations against the exact ones, over the whole range and at its edges. */
class ActivationTest {
    @Test
    void floatTanhAndActAreWithinAFewFloatUlpOfTheExactOnes() {
        double worstT = 0, worstA = 0;
        for (int i = -200_000; i <= 200_000; i++) {
            float u = i * 1e-4f;   // [-20, 20], through the clamp at 7.9
            float t = Activation.tanhFloat(u);
            double et = Math.tanh(u), ea = Math.abs(u) + Math.log1p(Math.exp(-2 * Math.abs((double) u)));
            worstT = Math.max(worstT, Math.abs(t - et));
            worstA = Math.max(worstA, Math.abs(Activation.actFloat(u, t) - ea) / Math.max(1, ea));
            assertTrue(Math.abs(t) <= 1, "tanh within [-1, 1] at " + u);
        }
        assertTrue(worstT < 5e-7, "tanh absolute error " + worstT);
        assertTrue(worstA < 5e-7, "act relative error " + worstA);
        assertEquals(0f, Activation.tanhFloat(0f));
        assertEquals((float) Math.log(2), Activation.actFloat(0f, 0f), 1e-7);
        assertEquals(1f, Activation.tanhFloat(1e30f), 5e-7, "clamped far out");
        assertEquals(-1f, Activation.tanhFloat(Float.NEGATIVE_INFINITY), 5e-7);
    }

    @Test
    void exactTanhAndActAgreeWithTheLibraryToDoublePrecision() {
        for (double u = -30; u <= 30; u += 0.0137) {
            assertEquals(Math.tanh(u), Activation.tanh(u), 1e-15 + 1e-13 * Math.abs(Math.tanh(u)), "tanh " + u);
            assertEquals(Math.log(2 * Math.cosh(u)), Activation.act(u), 1e-12 * Math.max(1, Math.abs(u)), "act " + u);
        }
    }
}
