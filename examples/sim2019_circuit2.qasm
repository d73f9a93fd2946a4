// Circuit 2 of Sim, Johnson, Aspuru-Guzik, "Expressibility and entangling capability of
// parameterized quantum circuits for hybrid quantum-classical algorithms",
// Adv. Quantum Technol. 2, 1900070 (2019), arXiv:1905.10876, Fig. 2 -- one layer (L = 1)
// on 4 qubits, written by hand for bpcalc: RX and RZ on every qubit, then a CNOT staircase
// from the last qubit to the first (control q[i], target q[i-1]).
//
// Named angles (theta_x<i> for RX on qubit i, theta_z<i> for RZ) become trainable sympy
// symbols; examples/my_family.py:sim_circuit2 uses the same names for any n.  Try:
//   bpcalc analyze examples/sim2019_circuit2.qasm --observable Z0
//   bpcalc analyze examples/sim2019_circuit2.qasm --observable Z3
//   bpcalc analyze examples/sim2019_circuit2.qasm --observable local \
//       --family examples/my_family.py:sim_circuit2 --qubits 4..12:2
// The staircase maps Z0 (Heisenberg picture) to Z0 Z1 Z2 Z3, so every RX gradient has
// variance 2^-4; Z3 only sees RX on q[3] (variance 1/2); RZ gradients vanish identically.
// With the local cost (1/n) sum_j |0><0|_j, Var[d/d theta_x<k>] = (2^(k+1) - 1) / (4 n^2 2^n):
// exponentially small for the first qubit, ~ 1/(4 n^2) for the last one.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[4];
creg c[4];
rx(theta_x0) q[0];
rx(theta_x1) q[1];
rx(theta_x2) q[2];
rx(theta_x3) q[3];
rz(theta_z0) q[0];
rz(theta_z1) q[1];
rz(theta_z2) q[2];
rz(theta_z3) q[3];
cx q[3], q[2];
cx q[2], q[1];
cx q[1], q[0];
barrier q;
measure q -> c;
