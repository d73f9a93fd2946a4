// Data re-uploading model (Perez-Salinas et al. 2020, arXiv:1907.02085): 3 repetitions of
// an RX(x_j) data layer, trainable RY/RZ on every qubit and a CZ ring.  `bpcalc analyze` gives
// exact per-datapoint gradient variances (one Pauli propagation per data point) and the
// linear-loss variance (data register); the V(theta)U(x) theorems are refused.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
rx(x_0) q[0];
rx(x_1) q[1];
rx(x_2) q[2];
ry(theta_0) q[0];
rz(theta_1) q[0];
ry(theta_2) q[1];
rz(theta_3) q[1];
ry(theta_4) q[2];
rz(theta_5) q[2];
cz q[0], q[1];
cz q[1], q[2];
cz q[2], q[0];
rx(x_0) q[0];
rx(x_1) q[1];
rx(x_2) q[2];
ry(theta_6) q[0];
rz(theta_7) q[0];
ry(theta_8) q[1];
rz(theta_9) q[1];
ry(theta_10) q[2];
rz(theta_11) q[2];
cz q[0], q[1];
cz q[1], q[2];
cz q[2], q[0];
rx(x_0) q[0];
rx(x_1) q[1];
rx(x_2) q[2];
ry(theta_12) q[0];
rz(theta_13) q[0];
ry(theta_14) q[1];
rz(theta_15) q[1];
ry(theta_16) q[2];
rz(theta_17) q[2];
cz q[0], q[1];
cz q[1], q[2];
cz q[2], q[0];
