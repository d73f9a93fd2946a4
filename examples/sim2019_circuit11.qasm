// Circuit 11 of Sim, Johnson, Aspuru-Guzik, arXiv:1905.10876, Fig. 2 -- one layer (L = 1)
// on 4 qubits, written by hand in OpenQASM 3 for bpcalc: RY and RZ on every qubit, CNOTs
// (control q[1] -> target q[0]) and (q[3] -> q[2]), RY and RZ on the two middle qubits, then
// CNOT (q[2] -> q[1]).  12 trainable angles theta_0 .. theta_11.
//
//   bpcalc analyze examples/sim2019_circuit11.qasm --observable 'Z1*Z2'
OPENQASM 3.0;
include "stdgates.inc";
qubit[4] q;
ry(theta_0) q[0];
ry(theta_1) q[1];
ry(theta_2) q[2];
ry(theta_3) q[3];
rz(theta_4) q[0];
rz(theta_5) q[1];
rz(theta_6) q[2];
rz(theta_7) q[3];
cx q[1], q[0];
cx q[3], q[2];
ry(theta_8) q[1];
ry(theta_9) q[2];
rz(theta_10) q[1];
rz(theta_11) q[2];
cx q[2], q[1];
