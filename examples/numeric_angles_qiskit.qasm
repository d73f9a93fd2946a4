// Exported with qiskit.qasm2.dumps from a circuit whose parameters were bound to numbers
// (RealAmplitudes(3, reps=2) with random values): no named angles.  Analyse it with
//   bpcalc analyze examples/numeric_angles_qiskit.qasm --trainable all --observable Z0
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg meas[3];
ry(0.7324) q[0];
ry(1.1023) q[1];
ry(-0.3187) q[2];
cx q[1],q[2];
cx q[0],q[1];
ry(2.5491) q[0];
ry(0.1289) q[1];
ry(0.2047) q[2];
cx q[1],q[2];
cx q[0],q[1];
ry(-1.2921) q[0];
ry(0.5503) q[1];
ry(3.0012) q[2];
barrier q[0],q[1],q[2];
measure q[0] -> meas[0];
measure q[1] -> meas[1];
measure q[2] -> meas[2];
