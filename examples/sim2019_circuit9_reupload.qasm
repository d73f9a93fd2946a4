// A data re-uploading variant of Sim et al.'s circuit 9 (arXiv:1905.10876, Fig. 2): H on
// every qubit, a CZ ladder, RX(theta) -- and then the data x_0 uploaded again.  This is not the
// seed paper's V(theta) U(x) (embedding first): `bpcalc analyze` says so, refuses the theorems and
// computes exact per-datapoint variances (bpcalc.bounds.exact.exact_reuploading_gradient_variance).
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
rx(x_0) q[0];
rx(x_1) q[1];
rx(x_2) q[2];
h q[0];
h q[1];
h q[2];
cz q[2], q[1];
cz q[1], q[0];
rx(theta_0) q[0];
rx(theta_1) q[1];
rx(theta_2) q[2];
rz(x_0) q[0];
